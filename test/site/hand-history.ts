/**
 * A history made by hand, commit by commit, in a real git repository: zones
 * added, changed, losing and gaining servers, removed, re-added, split into a
 * folder of parts, and commits that zonelog did not write. zonelog's messages are
 * written by its own commitMessage, so they follow whatever format it writes.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { commitMessage, type FileStat } from '../../src/archive/commit-message.js';
import { emptyIndex, indexText, type IndexZone, type ZoneChange } from '../../src/archive/writer.js';
import type { SourceName } from '../../src/scan/sources/source.js';

export interface HandRepo {
  dir: string;
  /** The commits made so far, by name. */
  commits: Map<string, string>;
  git: (...args: string[]) => string;
}

/** The zone's canonical text: SOA, the apex's NS, then one NS per delegation and extra records. */
function zoneText(zone: string, serial: number, delegations: string[], extra: string[] = []): string {
  const owner = (l: string) => `${l}.${zone}`;
  return (
    [
      `${zone}\t3600\tIN\tSOA\tns.${zone} host.${zone} ${serial} 3600 600 86400 300`,
      `${zone}\t3600\tIN\tNS\tns.${zone}`,
      ...delegations.map((d) => `${owner(d)}\t3600\tIN\tNS\tns.${owner(d)}`),
      ...extra,
    ].join('\n') + '\n'
  );
}

interface IndexEntry {
  path: string;
  serial: number;
  records: number;
  servers: { address: string; serial: number; digest: string; names?: string[] }[];
  source?: SourceName;
}

export function newRepo(): HandRepo {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonelog-site-'));
  const git = (...a: string[]) =>
    execFileSync('git', ['-C', dir, '-c', 'user.name=Hand Editor', '-c', 'user.email=hand@example.org', ...a], { encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  fs.mkdirSync(path.join(dir, 'archive'));
  return { dir, commits: new Map(), git };
}

/** Writes index.json with these zones, as zonelog's writer writes it. */
function writeIndex(r: HandRepo, zones: Record<string, IndexEntry>): void {
  const full: Record<string, IndexZone> = {};
  for (const [z, e] of Object.entries(zones)) full[z] = { ...e, bytes: 100, digest: e.servers[0]?.digest ?? DIGEST.aa };
  fs.writeFileSync(path.join(r.dir, 'archive', 'index.json'), indexText({ ...emptyIndex(false), zones: full }));
}

/** Commits everything with this message at this date (the scan's time). */
export function commit(r: HandRepo, name: string, date: string, message: string, by = 'zonelog'): string {
  r.git('add', '-A');
  execFileSync('git', ['-C', r.dir, '-c', `user.name=${by}`, '-c', 'user.email=z@example.org', 'commit', '-q', '--allow-empty', '-m', message], {
    env: { ...process.env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
  });
  const hash = r.git('rev-parse', 'HEAD').trim();
  r.commits.set(name, hash);
  return hash;
}

/** zonelog's message for these changes and per-file counts. */
export function zonelogMessage(changes: ZoneChange[], stats: [string, FileStat][]): string {
  const m = commitMessage(changes, new Map(stats));
  return `${m.subject}\n\n${m.body}`;
}

const write = (r: HandRepo, file: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(r.dir, 'archive', file)), { recursive: true });
  fs.writeFileSync(path.join(r.dir, 'archive', file), text);
};
const remove = (r: HandRepo, file: string) => fs.rmSync(path.join(r.dir, 'archive', file), { recursive: true });
/** Digests as index.json has them (16 hex digits), by a short name. */
const DIGEST = { aa: 'aaaaaaaaaaaaaaaa', bb: 'bbbbbbbbbbbbbbbb', cc: 'cccccccccccccccc', dd: 'dddddddddddddddd', ee: 'eeeeeeeeeeeeeeee' };
const srv = (address: string, serial: number, digest: keyof typeof DIGEST = 'aa', name?: string) => ({
  address,
  serial,
  digest: DIGEST[digest],
  ...(name ? { names: [name] } : {}),
});

/**
 * The history, in steps (each a function that makes one commit), so a test can
 * stop part-way and go on later:
 *   c1 + ba. (serial 1, 2 delegations), + kp. (serial 10)            zonelog
 *   c2 ~ ba. 1 → 2 (+2 −1: a delegation added), * kp. 1 → 2 addresses  zonelog
 *   c3 - kp. refused by 2 of 2 addresses                               zonelog
 *   c4 ba.zone edited by hand (+1 TXT), and a file outside the archive not by zonelog
 *   c5 + kp. again (serial 12)                                         zonelog
 *   c6 ~ ba. 2 → 3 split into ba/@.zone and ba/a.zone (+1 −1 in fact)  zonelog, no counts
 *   c7 kp.zone deleted by hand                                         not by zonelog
 */
export const steps: ((r: HandRepo) => void)[] = [
  (r) => {
    write(r, 'ba.zone', zoneText('ba.', 1, ['a', 'b']));
    write(r, 'kp.zone', zoneText('kp.', 10, [], ['kp.\t3600\tIN\tA\t192.0.2.1']));
    writeIndex(r, {
      'ba.': { path: 'ba.zone', serial: 1, records: 4, servers: [srv('192.0.2.53', 1)] },
      'kp.': { path: 'kp.zone', serial: 10, records: 3, servers: [srv('198.51.100.1', 10, 'bb', 'ns1.kp.')], source: 'root' },
    });
    commit(
      r,
      'c1',
      '2026-01-01T10:00:00Z',
      zonelogMessage(
        [
          { kind: 'added', zone: 'ba.', serial: 1, records: 4, paths: ['ba.zone'] },
          { kind: 'added', zone: 'kp.', serial: 10, records: 3, paths: ['kp.zone'] },
        ],
        [
          ['ba.zone', { added: 4, removed: 0 }],
          ['kp.zone', { added: 3, removed: 0 }],
        ],
      ),
    );
  },
  (r) => {
    write(r, 'ba.zone', zoneText('ba.', 2, ['a', 'b', 'c']));
    writeIndex(r, {
      'ba.': { path: 'ba.zone', serial: 2, records: 5, servers: [srv('192.0.2.53', 2)] },
      'kp.': {
        path: 'kp.zone',
        serial: 10,
        records: 3,
        servers: [srv('198.51.100.1', 10, 'bb', 'ns1.kp.'), srv('198.51.100.2', 9, 'cc', 'ns2.kp.')],
        source: 'root',
      },
    });
    commit(
      r,
      'c2',
      '2026-01-02T10:00:00Z',
      zonelogMessage(
        [
          { kind: 'changed', zone: 'ba.', from: 1, to: 2, paths: ['ba.zone'] },
          { kind: 'servers', zone: 'kp.', before: 1, after: 2 },
        ],
        [['ba.zone', { added: 2, removed: 1, owners: new Set(['ba.', 'c.ba.']) }]],
      ),
    );
  },
  (r) => {
    remove(r, 'kp.zone');
    writeIndex(r, { 'ba.': { path: 'ba.zone', serial: 2, records: 5, servers: [srv('192.0.2.53', 2)] } });
    commit(
      r,
      'c3',
      '2026-01-03T10:00:00Z',
      zonelogMessage([{ kind: 'removed', zone: 'kp.', refusing: 2, answered: 2, paths: ['kp.zone'] }], [['kp.zone', { added: 0, removed: 3 }]]),
    );
  },
  (r) => {
    write(r, 'ba.zone', zoneText('ba.', 2, ['a', 'b', 'c'], ['ba.\t3600\tIN\tTXT\t"edited by hand"']));
    fs.writeFileSync(path.join(r.dir, 'NOTES.md'), 'not the archive\n');
    commit(r, 'c4', '2026-01-04T10:00:00Z', 'Add a note to ba. by hand', 'Hand Editor');
  },
  (r) => {
    write(r, 'kp.zone', zoneText('kp.', 12, ['x'], ['kp.\t3600\tIN\tA\t192.0.2.1']));
    writeIndex(r, {
      'ba.': { path: 'ba.zone', serial: 2, records: 6, servers: [srv('192.0.2.53', 2)] },
      'kp.': { path: 'kp.zone', serial: 12, records: 4, servers: [srv('198.51.100.1', 12, 'dd', 'ns1.kp.')], source: 'root' },
    });
    commit(
      r,
      'c5',
      '2026-01-05T10:00:00Z',
      zonelogMessage([{ kind: 'added', zone: 'kp.', serial: 12, records: 4, paths: ['kp.zone'] }], [['kp.zone', { added: 4, removed: 0 }]]),
    );
  },
  (r) => {
    // Split: the apex's records in @.zone, the delegations a, b, c in their parts; serial 3.
    const text = zoneText('ba.', 3, ['a', 'b', 'c'], ['ba.\t3600\tIN\tTXT\t"edited by hand"']).split('\n').filter(Boolean);
    remove(r, 'ba.zone');
    write(r, 'ba/@.zone', text.filter((l) => l.startsWith('ba.\t')).join('\n') + '\n');
    for (const p of ['a', 'b', 'c']) write(r, `ba/${p}.zone`, text.filter((l) => l.startsWith(`${p}.ba.\t`)).join('\n') + '\n');
    writeIndex(r, {
      'ba.': { path: 'ba/', serial: 3, records: 6, servers: [srv('192.0.2.53', 3), srv('192.0.2.54', 2, 'ee')] },
      'kp.': { path: 'kp.zone', serial: 12, records: 4, servers: [srv('198.51.100.1', 12, 'dd', 'ns1.kp.')], source: 'root' },
    });
    commit(
      r,
      'c6',
      '2026-01-06T10:00:00Z',
      zonelogMessage(
        [{ kind: 'changed', zone: 'ba.', from: 2, to: 3, paths: ['ba.zone', 'ba/'] }],
        [
          ['ba.zone', { added: 0, removed: 6 }],
          ['ba/@.zone', { added: 3, removed: 0 }],
          ['ba/a.zone', { added: 1, removed: 0 }],
        ],
      ),
    );
  },
  (r) => {
    remove(r, 'kp.zone');
    writeIndex(r, { 'ba.': { path: 'ba/', serial: 3, records: 6, servers: [srv('192.0.2.53', 3), srv('192.0.2.54', 2, 'ee')] } });
    commit(r, 'c7', '2026-01-07T10:00:00Z', 'Remove kp. by hand', 'Hand Editor');
  },
];

/** A repository with the first `n` steps made. */
export function handHistory(n = steps.length): HandRepo {
  const r = newRepo();
  for (const s of steps.slice(0, n)) s(r);
  return r;
}

/**
 * A history whose zones came from different sources, and whose servers disagree:
 *   s1 + aa. (source root), + bb. (an index entry without a source, as older indexes wrote)
 *   s2 + cc. (source psl; its two addresses serve serials 5 and 4)
 *   s3 - aa. refused by 1 of 1 addresses
 *   s4 + dd. (source leaked), * cc. 2 → 2 addresses (both serve serial 5 now)
 */
export function sourcesHistory(): HandRepo {
  const r = newRepo();
  const aa = { path: 'aa.zone', serial: 1, records: 2, servers: [srv('192.0.2.1', 1)], source: 'root' as const };
  const bb = { path: 'bb.zone', serial: 1, records: 2, servers: [srv('192.0.2.2', 1)] };
  const cc = { path: 'cc.zone', serial: 5, records: 2, servers: [srv('192.0.2.3', 5, 'cc'), srv('192.0.2.4', 4, 'dd')], source: 'psl' as const };
  const dd = { path: 'dd.zone', serial: 7, records: 2, servers: [srv('192.0.2.5', 7)], source: 'leaked' as const };
  const added = (zone: string, serial: number) => ({ kind: 'added' as const, zone, serial, records: 2, paths: [zoneFileOf(zone)] });
  const stat = (zone: string): [string, FileStat] => [zoneFileOf(zone), { added: 2, removed: 0 }];

  write(r, 'aa.zone', zoneText('aa.', 1, []));
  write(r, 'bb.zone', zoneText('bb.', 1, []));
  writeIndex(r, { 'aa.': aa, 'bb.': bb });
  commit(r, 's1', '2026-02-01T10:00:00Z', zonelogMessage([added('aa.', 1), added('bb.', 1)], [stat('aa.'), stat('bb.')]));

  write(r, 'cc.zone', zoneText('cc.', 5, []));
  writeIndex(r, { 'aa.': aa, 'bb.': bb, 'cc.': cc });
  commit(r, 's2', '2026-02-02T10:00:00Z', zonelogMessage([added('cc.', 5)], [stat('cc.')]));

  remove(r, 'aa.zone');
  writeIndex(r, { 'bb.': bb, 'cc.': cc });
  commit(
    r,
    's3',
    '2026-02-03T10:00:00Z',
    zonelogMessage([{ kind: 'removed', zone: 'aa.', refusing: 1, answered: 1, paths: ['aa.zone'] }], [['aa.zone', { added: 0, removed: 2 }]]),
  );

  write(r, 'dd.zone', zoneText('dd.', 7, []));
  writeIndex(r, { 'bb.': bb, 'cc.': { ...cc, servers: [srv('192.0.2.3', 5, 'cc'), srv('192.0.2.4', 5, 'cc')] }, 'dd.': dd });
  commit(r, 's4', '2026-02-04T10:00:00Z', zonelogMessage([added('dd.', 7), { kind: 'servers', zone: 'cc.', before: 2, after: 2 }], [stat('dd.')]));
  return r;
}

const zoneFileOf = (zone: string) => `${zone.slice(0, -1)}.zone`;

/** One zonelog commit adding ee., whose index.json was written on one line (not as zonelog's writer lays it out). */
export function compactIndexHistory(): HandRepo {
  const r = newRepo();
  write(r, 'ee.zone', zoneText('ee.', 3, []));
  const index = {
    ...emptyIndex(false),
    zones: { 'ee.': { path: 'ee.zone', serial: 3, records: 2, bytes: 100, digest: DIGEST.aa, servers: [srv('192.0.2.7', 3), srv('192.0.2.8', 2, 'bb')] } },
  };
  fs.writeFileSync(path.join(r.dir, 'archive', 'index.json'), JSON.stringify(index));
  commit(
    r,
    'e1',
    '2026-03-01T10:00:00Z',
    zonelogMessage([{ kind: 'added', zone: 'ee.', serial: 3, records: 2, paths: ['ee.zone'] }], [['ee.zone', { added: 2, removed: 0 }]]),
  );
  return r;
}
