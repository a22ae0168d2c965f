/**
 * The archive's invariant, checked the way a reader of the repository would: every
 * zone file under archive/ belongs to a zone index.json lists, every listed zone's
 * file (or folder of parts) exists, and the serial, record count and digest in
 * index.json are those of the text the files hold.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { sortParts } from '../../src/archive/layout.js';

export function archiveProblems(archiveDir: string): string[] {
  const problems: string[] = [];
  let index: { zones: Record<string, { path: string; serial: number; records: number; digest: string }> };
  try {
    index = JSON.parse(fs.readFileSync(path.join(archiveDir, 'index.json'), 'utf8'));
  } catch {
    return fs.existsSync(archiveDir) && fs.readdirSync(archiveDir).some((f) => !f.startsWith('.')) ? ['files without an index.json'] : [];
  }
  const listed = new Set(Object.values(index.zones).map((e) => e.path));
  for (const e of fs.readdirSync(archiveDir, { withFileTypes: true })) {
    if (e.name === 'index.json' || e.name === 'README.md') continue;
    const rel = e.isDirectory() ? `${e.name}/` : e.name;
    if (!listed.has(rel)) problems.push(`${rel} is not listed in index.json`);
  }
  for (const [zone, e] of Object.entries(index.zones)) {
    const p = path.join(archiveDir, e.path);
    let text: string;
    try {
      if (e.path.endsWith('/')) {
        const parts = sortParts(
          fs
            .readdirSync(p)
            .filter((f) => f.endsWith('.zone'))
            .map((f) => f.slice(0, -5)),
        );
        text = parts.map((s) => fs.readFileSync(path.join(p, `${s}.zone`), 'latin1')).join('');
      } else text = fs.readFileSync(p, 'latin1');
    } catch {
      problems.push(`${zone}: ${e.path} is missing`);
      continue;
    }
    const lines = text.split('\n').filter(Boolean);
    const serial = Number(lines[0]?.split('\t')[4]?.split(' ')[2]);
    if (serial !== e.serial) problems.push(`${zone}: index.json says serial ${e.serial}, the file ${serial}`);
    if (lines.length !== e.records) problems.push(`${zone}: index.json says ${e.records} records, the file ${lines.length}`);
    const digest = createHash('sha256').update(Buffer.from(text, 'latin1')).digest('hex').slice(0, 16);
    if (digest !== e.digest) problems.push(`${zone}: index.json's digest is not the file's`);
  }
  return problems;
}
