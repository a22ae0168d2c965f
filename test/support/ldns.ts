/**
 * Comparing zone texts through ldns-read-zone -z (ldnsutils), the reference for
 * canonical order. Its output is made comparable: no `;{id = …}` comments after
 * DNSKEY, no trailing blanks after NSEC bitmaps, exact duplicates once (ldns keeps
 * them), and the names zonelog lowercases beyond RFC 4034 §6.2 (src/dns/types.ts
 * LOWERCASE_ALSO: SVCB/HTTPS targets, IPSECKEY gateways) lowercased here too.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

function ldnsReadZone(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ldns-read-zone', args, { encoding: 'latin1', maxBuffer: 1 << 29, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`ldns-read-zone ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** One line of ldns output, with the names zonelog lowercases beyond ldns lowercased. */
function normalizeLdnsLine(line: string): string {
  const l = line.replace(/\s*;\{id = [^}]*\}\s*$/, '').replace(/\s+$/, '');
  const f = l.split('\t');
  if (f.length < 5) return l;
  const rd = f.slice(4).join('\t').split(' ');
  if ((f[3] === 'SVCB' || f[3] === 'HTTPS') && rd[1]) rd[1] = rd[1].toLowerCase();
  else if (f[3] === 'IPSECKEY' && rd[1] === '3' && rd[3]) rd[3] = rd[3].toLowerCase();
  else return l;
  return [...f.slice(0, 4), rd.join(' ')].join('\t');
}

/** `ldns-read-zone -z [extra] FILE`, made comparable. */
export async function ldnsLines(file: string, extra: string[] = []): Promise<string[]> {
  const out = await ldnsReadZone(['-z', ...extra, file]);
  return out
    .split('\n')
    .map(normalizeLdnsLine)
    .filter((l, i, all) => l !== '' && (i === 0 || l !== all[i - 1]));
}

/** The same for a zone text. */
export async function ldnsText(text: string, extra: string[] = []): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'zonelog-ldns-'));
  try {
    const file = path.join(dir, 'zone');
    await writeFile(file, text, 'latin1');
    return (await ldnsLines(file, extra)).join('\n') + '\n';
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
