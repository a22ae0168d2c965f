/**
 * Results directories are untrusted input (DESIGN §5). Each case starts from a
 * results directory as `scan` writes it and breaks one thing an attacker (or a
 * broken artifact) could; publish must refuse it with one line, or take only what
 * the names and files really say, and the archive must stay whole.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { writeResults, zoneText, type FakeTarget } from '../support/results.js';
import { Scratch, sh, publishTo } from '../support/repo.js';
import { archiveProblems } from '../support/archive-check.js';

const scratch = new Scratch();
afterEach(() => scratch.cleanup());

const ba = zoneText('ba.', 1, ['ba.\t3600\tIN\tNS\tns1.ba.', 'a.ba.\t3600\tIN\tA\t192.0.2.1']);
const world: FakeTarget[] = [
  { zone: 'ba.', address: '192.0.2.1', outcome: 'transferred', text: ba },
  { zone: 'ba.', address: '192.0.2.2', outcome: 'refused' },
];

type Report = { version: number; started: string; targets: Record<string, unknown>[]; zoneAddresses?: Record<string, string[]> } & Record<string, unknown>;

/** A good results directory, then `mutate` on its report and files. */
async function hostile(mutate: (dir: string, report: Report) => void | 'raw', targets = world): Promise<string> {
  const dir = await writeResults(scratch.dir(), targets, new Date('2026-01-02T00:00:00Z'));
  const file = path.join(dir, 'report.json');
  const report = JSON.parse(fs.readFileSync(file, 'utf8')) as Report;
  if (mutate(dir, report) === 'raw') return dir;
  if (fs.existsSync(file) && !fs.lstatSync(file).isSymbolicLink()) fs.writeFileSync(file, JSON.stringify(report));
  return dir;
}

/** A repository whose archive already holds a zone (committed), to see that nothing else gets in. */
async function archive(): Promise<string> {
  const repo = scratch.repo();
  const ok: FakeTarget[] = [{ zone: 'ok.', address: '192.0.2.7', outcome: 'transferred', text: zoneText('ok.', 7, []) }];
  const r = await publishTo(repo, [await writeResults(scratch.dir(), ok)]);
  expect(r.ok).toBe(true);
  return repo;
}

async function run(repo: string, dir: string) {
  return publishTo(repo, [dir]);
}

const first = (r: Report) => r.targets[0]!;
const fileOf = (dir: string, r: Report) => path.join(dir, String(first(r).file));
const sha = (text: string) => execFileSync('sha256sum', { input: text, encoding: 'utf8' }).split(' ')[0]!;

/** Replaces the transferred text with `text`, keeping the report's claims consistent with it (sha256). */
function replaceText(text: string) {
  return (dir: string, r: Report) => {
    fs.writeFileSync(fileOf(dir, r), text, 'latin1');
    first(r).sha256 = sha(text);
  };
}

const REFUSED: [string, (dir: string, r: Report) => void | 'raw', RegExp][] = [
  [
    'a file named ../../../etc/passwd',
    (_d, r) => {
      first(r).file = '../../../etc/passwd';
    },
    /not a plain path inside the results directory/,
  ],
  [
    'an absolute file name',
    (_d, r) => {
      first(r).file = '/etc/passwd';
    },
    /not a plain path/,
  ],
  [
    'a file name with ./ and //',
    (_d, r) => {
      first(r).file = './zones//x.zone';
    },
    /not a plain path/,
  ],
  [
    'a zone file that is a symbolic link',
    (d, r) => {
      fs.rmSync(fileOf(d, r));
      fs.symlinkSync('/etc/passwd', fileOf(d, r));
    },
    /is a symbolic link/,
  ],
  [
    'zones/ a symbolic link to a folder outside',
    (d) => {
      const outside = scratch.dir();
      fs.cpSync(path.join(d, 'zones'), outside, { recursive: true });
      fs.rmSync(path.join(d, 'zones'), { recursive: true });
      fs.symlinkSync(outside, path.join(d, 'zones'));
    },
    /zones is a symbolic link/,
  ],
  [
    'report.json a symbolic link',
    (d) => {
      const elsewhere = path.join(scratch.dir(), 'r.json');
      fs.renameSync(path.join(d, 'report.json'), elsewhere);
      fs.symlinkSync(elsewhere, path.join(d, 'report.json'));
    },
    /report\.json is a symbolic link/,
  ],
  [
    'a FIFO as zone file (must not hang)',
    (d, r) => {
      fs.rmSync(fileOf(d, r));
      execFileSync('mkfifo', [fileOf(d, r)]);
    },
    /is not a regular file/,
  ],
  [
    'a folder as zone file',
    (d, r) => {
      fs.rmSync(fileOf(d, r));
      fs.mkdirSync(fileOf(d, r));
    },
    /is not a regular file/,
  ],
  [
    'bytes that do not match the sha256',
    (d, r) => {
      fs.writeFileSync(fileOf(d, r), ba.replace('192.0.2.1', '192.0.2.9'));
    },
    /does not have the SHA-256 the report gives/,
  ],
  [
    'a serial the SOA does not say (4000000000 for 1)',
    (_d, r) => {
      first(r).serial = 4000000000;
    },
    /the report says serial 4000000000 and 3 records, .* holds serial 1 and 3 records/,
  ],
  [
    'a record count the file does not hold',
    (_d, r) => {
      first(r).records = 99;
    },
    /the report says serial 1 and 99 records/,
  ],
  ["another zone's text filed under ba.", replaceText(zoneText('evil.', 1, ['evil.\t60\tIN\tNS\tns.evil.'])), /starts with the SOA of ba\./],
  ['an owner outside the zone', replaceText(zoneText('ba.', 1, ['www.example.\t60\tIN\tA\t192.0.2.1'])), /the owner www\.example\. is outside ba\./],
  ['owners out of canonical order', replaceText(zoneText('ba.', 1, ['b.ba.\t60\tIN\tA\t192.0.2.1', 'a.ba.\t60\tIN\tA\t192.0.2.1'])), /out of canonical order/],
  ['an owner in uppercase', replaceText(zoneText('ba.', 1, ['A.ba.\t60\tIN\tA\t192.0.2.1'])), /not in canonical form/],
  ['a control character in the text', replaceText(zoneText('ba.', 1, ['a.ba.\t60\tIN\tTXT\t"x\u0007"'])), /byte 0x07/],
  ['CRLF line ends', replaceText(ba.replace(/\n/g, '\r\n')), /byte 0x0d/],
  ['no line feed at the end', replaceText(ba.trimEnd()), /does not end with a line feed/],
  ['an empty file', replaceText(''), /empty/],
  [
    'an RRSIG in a scan without --dnssec',
    replaceText(zoneText('ba.', 1, ['ba.\t60\tIN\tRRSIG\tSOA 8 1 60 20260101000000 20251201000000 1 ba. AAAA'])),
    /DNSSEC signature record/,
  ],
  [
    'a zone name that is not a domain name',
    (_d, r) => {
      first(r).zone = 'a'.repeat(64) + '.';
    },
    /is not a domain name/,
  ],
  [
    'an address that is not an IP address',
    (_d, r) => {
      first(r).address = '192.0.2.1; rm -rf /';
    },
    /is not an IP address/,
  ],
  [
    'an unknown outcome',
    (_d, r) => {
      first(r).outcome = 'pwned';
    },
    /unknown outcome/,
  ],
  [
    'a report version from the future',
    (_d, r) => {
      r.version = 99;
    },
    /not a zonelog scan report \(version 99\)/,
  ],
  [
    'a start time that is not a time',
    (_d, r) => {
      r.started = 'yesterday';
    },
    /started is not a time/,
  ],
  [
    'a report that is not JSON',
    (d) => {
      fs.writeFileSync(path.join(d, 'report.json'), '{"version": 2,');
      return 'raw';
    },
    /is not JSON/,
  ],
  [
    'a sha256 that is not 64 hex digits',
    (_d, r) => {
      first(r).sha256 = 'abc';
    },
    /sha256 is not 64 hex digits/,
  ],
];

describe('publish refuses hostile results directories', () => {
  it.each(REFUSED)('%s', async (_what, mutate, message) => {
    const repo = await archive();
    const head = sh(repo, 'rev-parse', 'HEAD');
    const before = fs.readFileSync(path.join(repo, 'archive/index.json'), 'utf8');
    const dir = await hostile(mutate);
    const r = await run(repo, dir);
    expect(r.ok).toBe(false);
    const error = (r as { error: string }).error;
    expect(error).toMatch(message);
    expect(error).not.toMatch(/[\n\r]/);
    // nothing moved: no commit, the archive as it was, no note of a publish under way
    expect(sh(repo, 'rev-parse', 'HEAD')).toBe(head);
    expect(fs.readFileSync(path.join(repo, 'archive/index.json'), 'utf8')).toBe(before);
    expect(sh(repo, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(fs.existsSync(path.join(repo, '.git/zonelog-publish'))).toBe(false);
  });

  it('through the built binary: one line on stderr, exit 2, no stack trace', async () => {
    const repo = await archive();
    const dir = await hostile(REFUSED[0]![1]);
    const out = spawnSync(process.execPath, [path.resolve('dist/src/cli/bin.js'), 'publish', dir, '--archive', path.join(repo, 'archive'), '--commit'], {
      encoding: 'utf8',
    });
    expect(out.status).toBe(2);
    expect(out.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(out.stderr).toMatch(/^zonelog: .*not a plain path inside the results directory\n$/);
  });
});

describe('publish takes names and files for what they are', () => {
  it('DUP. and dup. are one zone with one file; a later complete refusal removes file and entry together', async () => {
    const repo = scratch.repo();
    const dup = zoneText('dup.', 5, ['a.dup.\t60\tIN\tA\t192.0.2.1']);
    const r1 = await run(
      repo,
      await writeResults(scratch.dir(), [
        { zone: 'DUP.', address: '192.0.2.1', outcome: 'transferred', text: dup },
        { zone: 'dup', address: '192.0.2.2', outcome: 'transferred', text: dup },
        { zone: 'nd', address: '192.0.2.3', outcome: 'transferred', text: zoneText('nd.', 1, []) },
        { zone: 'nd.', address: '192.0.2.4', outcome: 'refused' },
      ]),
    );
    expect(r1.ok).toBe(true);
    const index = JSON.parse(fs.readFileSync(path.join(repo, 'archive/index.json'), 'utf8'));
    expect(Object.keys(index.zones)).toEqual(['dup.', 'nd.']);
    expect(index.zones['dup.'].servers.map((s: { address: string }) => s.address)).toEqual(['192.0.2.1', '192.0.2.2']);
    expect(fs.readdirSync(path.join(repo, 'archive')).sort()).toEqual(['README.md', 'dup.zone', 'index.json', 'nd.zone']);
    const r2 = await run(
      repo,
      await writeResults(
        scratch.dir(),
        [
          { zone: 'Dup.', address: '192.0.2.1', outcome: 'refused' },
          { zone: 'dup.', address: '192.0.2.2', outcome: 'refused' },
          { zone: 'nd.', address: '192.0.2.3', outcome: 'transferred', text: zoneText('nd.', 1, []) },
        ],
        new Date('2026-01-01T02:00:00Z'),
      ),
    );
    expect(r2.ok).toBe(true);
    expect(fs.existsSync(path.join(repo, 'archive/dup.zone'))).toBe(false);
    expect(archiveProblems(path.join(repo, 'archive'))).toEqual([]);
  });

  it('a zone name with line breaks is one escaped line in the commit message, never a forged one', async () => {
    const repo = scratch.repo();
    const name = 'evil.\n- victim.';
    const canonical = 'evil.\\010-\\032victim.';
    const text = zoneText(canonical, 1, []);
    const r = await run(repo, await writeResults(scratch.dir(), [{ zone: name, address: '192.0.2.1', outcome: 'transferred', text }]));
    expect(r.ok).toBe(true);
    const body = sh(repo, 'log', '-1', '--format=%B');
    expect(body.trim().split('\n')).toEqual([`archive: + ${canonical} (new)`, '', `+ ${canonical} 1 1 records`]);
    expect(body).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
    expect(archiveProblems(path.join(repo, 'archive'))).toEqual([]);
  });

  it('an index.json entry with "path": "../../victim" never makes publish touch anything outside the archive', async () => {
    const repo = scratch.repo();
    expect((await run(repo, await writeResults(scratch.dir(), world))).ok).toBe(true);
    const victim = path.join(repo, 'victim');
    fs.mkdirSync(victim);
    fs.writeFileSync(path.join(victim, 'keep'), 'x');
    const indexFile = path.join(repo, 'archive/index.json');
    const index = JSON.parse(fs.readFileSync(indexFile, 'utf8'));
    index.zones['ba.'].path = '../victim/';
    fs.writeFileSync(indexFile, JSON.stringify(index, null, 1) + '\n');
    sh(repo, 'commit', '-q', '-am', 'poisoned index');
    // ba. changes and then goes: neither may reach ../victim
    const ba2 = zoneText('ba.', 2, ['ba.\t3600\tIN\tNS\tns1.ba.']);
    expect(
      (
        await run(
          repo,
          await writeResults(scratch.dir(), [{ zone: 'ba.', address: '192.0.2.1', outcome: 'transferred', text: ba2 }], new Date('2026-01-03T00:00:00Z')),
        )
      ).ok,
    ).toBe(true);
    expect(
      (await run(repo, await writeResults(scratch.dir(), [{ zone: 'ba.', address: '192.0.2.1', outcome: 'refused' }], new Date('2026-01-04T00:00:00Z')))).ok,
    ).toBe(true);
    expect(fs.readFileSync(path.join(victim, 'keep'), 'utf8')).toBe('x');
    expect(fs.existsSync(path.join(repo, 'archive/ba.zone'))).toBe(false);
    expect(archiveProblems(path.join(repo, 'archive'))).toEqual([]);
  });

  it.each([
    ['not JSON', () => '{"format": 1,'],
    ['an entry that is not one zonelog writes', (t: string) => t.replace(/"serial": 1,/, '"serial": "1; rm -rf /",')],
    ['a key that is not a zone name', (t: string) => t.replace('"ba."', `"${'x'.repeat(70)}."`)],
  ])('an index.json that is %s is refused: no zone file is taken for unlisted and removed', async (_what, spoil) => {
    const repo = scratch.repo();
    expect((await run(repo, await writeResults(scratch.dir(), world))).ok).toBe(true);
    const indexFile = path.join(repo, 'archive/index.json');
    fs.writeFileSync(indexFile, spoil(fs.readFileSync(indexFile, 'utf8')));
    sh(repo, 'commit', '-q', '-am', 'spoiled index');
    const r = await run(
      repo,
      await writeResults(
        scratch.dir(),
        [{ zone: 'other.', address: '192.0.2.5', outcome: 'transferred', text: zoneText('other.', 1, []) }],
        new Date('2026-01-03T00:00:00Z'),
      ),
    );
    expect(r.ok).toBe(false);
    expect((r as { error: string }).error).toMatch(
      /archive\/index\.json is not an index zonelog wrote \(.*\); restore it from git \(git checkout -- archive\/index\.json\) and run again$/,
    );
    expect(fs.readFileSync(path.join(repo, 'archive/ba.zone'), 'latin1')).toBe(ba);
    expect(sh(repo, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  });
});
