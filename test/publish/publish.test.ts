import { describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { publishTo } from '../support/repo.js';
import type { PublishOptions } from '../../src/publish/publish.js';
import { inShard } from '../../src/scan/targets.js';
import { tempDirsPerTest, writeResults, zoneText, type FakeTarget } from '../support/results.js';
import { zonelog } from '../support/cli.js';

const tmp = tempDirsPerTest();
function sh(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.org', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.org' },
  });
}
function newRepo(): string {
  const repo = tmp();
  sh(repo, 'init', '-q', '-b', 'main');
  return repo;
}
async function pub(repo: string, results: string[], extra: Partial<PublishOptions> = {}) {
  const r = await publishTo(repo, results, extra);
  if (!r.ok) throw new Error(r.error);
  return r;
}
function commits(repo: string): string[] {
  try {
    return sh(repo, 'log', '--format=%H').trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

const ba1 = zoneText('ba.', 100, [
  'ba.\t3600\tIN\tNS\tns1.ba.',
  'a.ba.\t3600\tIN\tNS\tns.a.ba.',
  'ns.a.ba.\t3600\tIN\tA\t192.0.2.10',
  'b.ba.\t3600\tIN\tNS\tns.b.',
]);
const ba2 = zoneText('ba.', 101, [
  'ba.\t3600\tIN\tNS\tns1.ba.',
  'a.ba.\t3600\tIN\tNS\tns.a.ba.',
  'ns.a.ba.\t3600\tIN\tA\t192.0.2.11',
  'c.ba.\t3600\tIN\tNS\tns.c.',
  'd.ba.\t3600\tIN\tNS\tns.d.',
]);
const root1 = zoneText('.', 2026010100, ['.\t518400\tIN\tNS\ta.root-servers.net.', 'ba.\t172800\tIN\tNS\tns1.ba.', 'ba.\t86400\tIN\tDS\t1 8 2 AB']);
const gone = zoneText('gone.', 5, ['x.gone.\t60\tIN\tA\t192.0.2.1']);

/** A bare remote; repository a, published once and pushed there; b, a clone of the remote. */
async function twoPublishers(): Promise<{ bare: string; a: string; b: string }> {
  const bare = tmp();
  sh(bare, 'init', '-q', '--bare', '-b', 'main');
  const a = newRepo();
  sh(a, 'remote', 'add', 'origin', bare);
  await pub(a, [await writeResults(tmp(), world1())], { push: true });
  const b = tmp();
  execFileSync('git', ['clone', '-q', bare, b]);
  return { bare, a, b };
}

function world1(): FakeTarget[] {
  return [
    { zone: '.', address: '192.0.2.53', outcome: 'transferred', text: root1 },
    { zone: '.', address: '192.0.2.54', outcome: 'refused' },
    { zone: 'ba.', address: '192.0.2.1', outcome: 'transferred', text: ba1 },
    { zone: 'ba.', address: '2001:db8::1', outcome: 'transferred', text: ba1 },
    { zone: 'ba.', address: '192.0.2.2', outcome: 'notauth' },
    { zone: 'gone.', address: '192.0.2.9', outcome: 'transferred', text: gone },
    { zone: 'nothing.', address: '192.0.2.8', outcome: 'refused' },
  ];
}

describe('publish', () => {
  it('writes the archive; an unchanged world makes exactly one commit', async () => {
    const repo = newRepo();
    const r1 = await pub(repo, [await writeResults(tmp(), world1())]);
    expect(r1.commit).toMatchObject({ committed: true, subject: 'archive: + . (new), + ba. (new), + gone. (new)' });
    expect(fs.readFileSync(path.join(repo, 'archive/root.zone'), 'latin1')).toBe(root1);
    expect(fs.readFileSync(path.join(repo, 'archive/ba.zone'), 'latin1')).toBe(ba1);
    expect(fs.existsSync(path.join(repo, 'archive/nothing.zone'))).toBe(false);
    const index = JSON.parse(fs.readFileSync(path.join(repo, 'archive/index.json'), 'utf8'));
    expect(index.zones['ba.'].servers.map((s: { address: string }) => s.address)).toEqual(['192.0.2.1', '2001:db8::1']);
    expect(index.omitted).toEqual(['NSEC', 'NSEC3', 'RRSIG']);
    // The one date: since when each zone is in the archive (the scan that added it).
    expect(index.zones['ba.'].since).toBe('2026-01-01T00:00:00Z');
    expect(index.zones['ba.'].servers[0].names).toEqual(['ns.ba.']);
    expect(JSON.stringify(index).replace(/"since":"[^"]*"/g, '')).not.toMatch(/20\d\d-\d\d-\d\dT/);
    expect(fs.readFileSync(path.join(repo, 'archive/README.md'), 'utf8')).toContain(
      '| `ba.` | [ba.zone](ba.zone) | 100 | 5 | 2026-01-01 | `ns.ba.` `192.0.2.1`, `ns.ba.` `2001:db8::1` |',
    );
    const r2 = await pub(repo, [await writeResults(tmp(), world1(), new Date('2026-01-01T02:00:00Z'))]);
    expect(r2.commit).toEqual({ committed: false });
    expect(commits(repo)).toHaveLength(1);
    // the commit is dated at the scan
    expect(sh(repo, 'log', '-1', '--format=%aI %cI').trim()).toBe('2026-01-01T00:00:00+00:00 2026-01-01T00:00:00+00:00');
  });

  it('an unchanged world on a clean archive: git is not asked to stage or diff, and a commit left unpushed is still pushed', async () => {
    const repo = newRepo();
    const bare = tmp();
    sh(bare, 'init', '-q', '--bare', '-b', 'main');
    sh(repo, 'remote', 'add', 'origin', bare);
    await pub(repo, [await writeResults(tmp(), world1())]);
    const trace = path.join(tmp(), 'trace.txt');
    const r = await pub(repo, [await writeResults(tmp(), world1(), new Date('2026-01-01T02:00:00Z'))], {
      push: true,
      env: { ...process.env, GIT_TRACE: trace },
    });
    expect(r.commit).toEqual({ committed: false });
    expect(r.push).toMatchObject({ ok: true });
    expect(sh(bare, 'rev-parse', 'main')).toBe(sh(repo, 'rev-parse', 'main'));
    expect(commits(repo)).toHaveLength(1);
    const commands = fs
      .readFileSync(trace, 'utf8')
      .split('\n')
      .flatMap((l) => /trace: built-in: git (?:--no-optional-locks )?(\S+)/.exec(l)?.[1] ?? []);
    expect(commands).toContain('ls-files');
    expect(commands).toContain('push');
    expect(commands.filter((c) => ['add', 'diff', 'commit'].includes(c))).toEqual([]);
    expect(sh(repo, 'status', '--porcelain')).toBe('');
  });

  it('a new address serving the same text: a commit naming that zone alone, its index entry the only one changed', async () => {
    const repo = newRepo();
    await pub(repo, [await writeResults(tmp(), world1())]);
    const before = JSON.parse(fs.readFileSync(path.join(repo, 'archive/index.json'), 'utf8'));
    const w2 = [...world1(), { zone: 'ba.', address: '192.0.2.3', outcome: 'transferred' as const, text: ba1 }];
    const r = await pub(repo, [await writeResults(tmp(), w2, new Date('2026-01-01T02:00:00Z'))]);
    expect(r.commit).toMatchObject({ committed: true, subject: 'archive: * ba.', body: '* ba. 2 → 3 addresses allow transfer' });
    const after = JSON.parse(fs.readFileSync(path.join(repo, 'archive/index.json'), 'utf8'));
    expect(after.zones['ba.'].servers.map((s: { address: string }) => s.address)).toEqual(['192.0.2.1', '192.0.2.3', '2001:db8::1']);
    expect({ ...after.zones, 'ba.': undefined }).toEqual({ ...before.zones, 'ba.': undefined });
    expect(sh(repo, 'show', '--name-only', '--format=', 'HEAD').trim().split('\n').sort()).toEqual(['archive/README.md', 'archive/index.json']);
  });

  it('a changed world makes a second commit listing exactly the zones that changed, with git numstat counts and the owners changed', async () => {
    const repo = newRepo();
    await pub(repo, [await writeResults(tmp(), world1())]);
    const w2 = world1()
      .map((t) => (t.zone === 'ba.' && t.outcome === 'transferred' ? { ...t, text: ba2 } : t))
      .map((t) => (t.zone === 'gone.' ? { ...t, outcome: 'refused' as const, text: undefined } : t));
    w2.push({ zone: 'new.', address: '192.0.2.77', outcome: 'transferred', text: zoneText('new.', 1, ['new.\t60\tIN\tNS\tns.new.']) });
    const r = await pub(repo, [await writeResults(tmp(), w2, new Date('2026-01-01T02:00:00Z'))]);
    expect(r.commit).toMatchObject({ committed: true, subject: 'archive: + new. (new), - gone., ~ ba.' });
    const body = (r.commit as { body: string }).body.split('\n');
    const numstat = sh(repo, 'diff', '--numstat', 'HEAD~1', 'HEAD', '--', 'archive/ba.zone').trim().split('\t');
    // The owners of the lines git's own diff adds and removes, sorted.
    const owners = [
      ...new Set(
        sh(repo, 'diff', '-U0', 'HEAD~1', 'HEAD', '--', 'archive/ba.zone')
          .split('\n')
          .filter((l) => /^[+-][^+-]/.test(l))
          .map((l) => l.slice(1).split('\t')[0]!),
      ),
    ].sort();
    expect(owners).toContain('ba.');
    expect(body).toEqual([
      `~ ba. 100 → 101 +${numstat[0]} -${numstat[1]}`,
      '- gone. refused by 1 of 1 addresses',
      '+ new. 1 2 records',
      '',
      `Owners: ba. ${owners
        .map((o) => (o === 'ba.' ? '@' : o.slice(0, -'.ba.'.length)))
        .sort()
        .join(' ')}`,
    ]);
    expect(numstat.slice(0, 2)).toEqual(['4', '3']);
    const files = sh(repo, 'show', '--name-only', '--format=', 'HEAD').trim().split('\n').sort();
    expect(files).toEqual(['archive/README.md', 'archive/ba.zone', 'archive/gone.zone', 'archive/index.json', 'archive/new.zone']);
    expect(fs.existsSync(path.join(repo, 'archive/gone.zone'))).toBe(false);
  });

  it('commits the archive only: a file staged outside it stays staged, out of the commit', async () => {
    const repo = newRepo();
    await pub(repo, [await writeResults(tmp(), world1())]);
    fs.writeFileSync(path.join(repo, 'notes.txt'), 'mine\n');
    // with notes.txt staged, then without: the same commit of the archive's files
    for (const [i, [text, staged, status]] of (
      [
        [ba2, true, 'A  notes.txt\n'],
        [ba1, false, '?? notes.txt\n'],
      ] as const
    ).entries()) {
      if (staged) sh(repo, 'add', 'notes.txt');
      else sh(repo, 'rm', '-q', '--cached', 'notes.txt');
      const when = new Date(Date.parse('2026-01-01T02:00:00Z') + i * 7200_000);
      const r = await pub(repo, [await writeResults(tmp(), [{ zone: 'ba.', address: '192.0.2.1', outcome: 'transferred', text }], when)]);
      expect(r.commit).toMatchObject({ committed: true });
      expect(sh(repo, 'show', '--name-only', '--format=', 'HEAD').trim().split('\n').sort()).toEqual([
        'archive/README.md',
        'archive/ba.zone',
        'archive/index.json',
      ]);
      expect(sh(repo, 'status', '--porcelain')).toBe(status);
    }
  });

  it('an uncommitted hand edit under archive/ is refused; a committed one is repaired and named in the message', async () => {
    const repo = newRepo();
    await pub(repo, [await writeResults(tmp(), world1())]);
    fs.appendFileSync(path.join(repo, 'archive/ba.zone'), 'zz.ba.\t60\tIN\tA\t192.0.2.9\n');
    const later = await writeResults(tmp(), world1(), new Date('2026-01-01T02:00:00Z'));
    const refused = await publishTo(repo, [later]);
    expect(refused).toMatchObject({ ok: false, usage: false });
    expect((refused as { error: string }).error).toMatch(/^archive\/ has uncommitted changes in .* \(archive\/ba\.zone\); commit them, or discard them/);
    expect(commits(repo)).toHaveLength(1);
    // committed by hand: index.json still says the transferred text, so the next scan that has ba. rewrites it
    sh(repo, 'commit', '-q', '-am', 'hand edit');
    const r = await pub(repo, [later]);
    expect(r.commit).toMatchObject({ committed: true });
    expect((r.commit as { body: string }).body.split('\n')).toEqual(['~ ba. 100 → 100 +0 -1', '', 'Owners: ba. zz']);
    expect(fs.readFileSync(path.join(repo, 'archive/ba.zone'), 'latin1')).toBe(ba1);
    expect(r.notes).toContain('rewrote ba.: its archived text no longer matched index.json');
  });

  it('a zone that only timed out stays; a zone refused by every answering address goes', async () => {
    const repo = newRepo();
    await pub(repo, [await writeResults(tmp(), world1())]);
    const timedOut = world1().map((t) => (t.zone === 'ba.' ? { ...t, outcome: 'timeout' as const, text: undefined } : t));
    const r = await pub(repo, [await writeResults(tmp(), timedOut)]);
    expect(r.commit).toEqual({ committed: false });
    expect(fs.readFileSync(path.join(repo, 'archive/ba.zone'), 'latin1')).toBe(ba1);
    // one address refuses, one times out, one answers SERVFAIL: not definite
    const mixed = world1()
      .filter((t) => t.zone !== 'ba.')
      .concat([
        { zone: 'ba.', address: '192.0.2.1', outcome: 'refused' },
        { zone: 'ba.', address: '2001:db8::1', outcome: 'servfail' },
      ]);
    expect((await pub(repo, [await writeResults(tmp(), mixed)])).commit).toEqual({ committed: false });
    // one refusal while the other archived address times out: it stays (no flapping churn)
    const half = world1()
      .filter((t) => t.zone !== 'ba.')
      .concat([
        { zone: 'ba.', address: '192.0.2.1', outcome: 'refused' },
        { zone: 'ba.', address: '2001:db8::1', outcome: 'timeout' },
      ]);
    expect((await pub(repo, [await writeResults(tmp(), half)])).commit).toEqual({ committed: false });
    const refused = world1()
      .filter((t) => t.zone !== 'ba.')
      .concat([
        { zone: 'ba.', address: '192.0.2.1', outcome: 'refused' },
        { zone: 'ba.', address: '2001:db8::1', outcome: 'refused' },
      ]);
    const r3 = await pub(repo, [await writeResults(tmp(), refused)]);
    expect(r3.commit).toMatchObject({ committed: true, subject: 'archive: - ba.' });
    expect(fs.existsSync(path.join(repo, 'archive/ba.zone'))).toBe(false);
    // The log shows the removal with the serial the zone had when it went.
    const log = JSON.parse((await zonelog(['log', 'ba.', '--repo', repo, '--json'])).stdout) as { serial: number; added: number; removed: number }[];
    expect(log.map((e) => [e.serial, e.added, e.removed])).toEqual([
      [100, 0, ba1.split('\n').filter(Boolean).length],
      [100, ba1.split('\n').filter(Boolean).length, 0],
    ]);
  });

  it('a flapping server changes nothing; an older serial never replaces a newer one while its server is silent', async () => {
    const repo = newRepo();
    const lagging = world1().concat([
      { zone: 'ba.', address: '192.0.2.3', outcome: 'transferred', text: zoneText('ba.', 99, ['old.ba.\t60\tIN\tA\t192.0.2.99']) },
    ]);
    await pub(repo, [await writeResults(tmp(), lagging)]);
    expect(fs.readFileSync(path.join(repo, 'archive/ba.zone'), 'latin1')).toBe(ba1);
    const index = JSON.parse(fs.readFileSync(path.join(repo, 'archive/index.json'), 'utf8'));
    expect(index.zones['ba.'].servers.map((s: { serial: number }) => s.serial)).toEqual([100, 99, 100]);
    // the servers of serial 100 time out: the lagging one alone must not roll the zone back
    const flap = lagging.map((t) =>
      t.zone === 'ba.' && t.address !== '192.0.2.3' && t.outcome === 'transferred' ? { ...t, outcome: 'timeout' as const, text: undefined } : t,
    );
    const r = await pub(repo, [await writeResults(tmp(), flap)]);
    expect(r.commit).toEqual({ committed: false });
    expect(fs.readFileSync(path.join(repo, 'archive/ba.zone'), 'latin1')).toBe(ba1);
    // the lagging text was checked (and copied as it was read), but not taken: its copy is gone
    expect(fs.readdirSync(path.join(repo, 'archive')).sort()).toEqual(['README.md', 'ba.zone', 'gone.zone', 'index.json', 'root.zone']);
    expect(sh(repo, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  });

  it('picks the highest serial (RFC 1982), then most addresses, then the lowest address, whatever the order', async () => {
    const a = zoneText('x.', 4294967295, ['a.x.\t60\tIN\tA\t192.0.2.1']);
    const b = zoneText('x.', 3, ['b.x.\t60\tIN\tA\t192.0.2.2']); // 3 follows 4294967295 in serial arithmetic
    const c1 = zoneText('y.', 7, ['c1.y.\t60\tIN\tA\t192.0.2.1']);
    const c2 = zoneText('y.', 7, ['c2.y.\t60\tIN\tA\t192.0.2.1']);
    const targets: FakeTarget[] = [
      { zone: 'x.', address: '192.0.2.1', outcome: 'transferred', text: a },
      { zone: 'x.', address: '192.0.2.2', outcome: 'transferred', text: b },
      { zone: 'y.', address: '192.0.2.9', outcome: 'transferred', text: c2 },
      { zone: 'y.', address: '192.0.2.10', outcome: 'transferred', text: c1 },
    ];
    for (const order of [targets, [...targets].reverse()]) {
      const repo = newRepo();
      await pub(repo, [await writeResults(tmp(), order)]);
      expect(fs.readFileSync(path.join(repo, 'archive/x.zone'), 'latin1')).toBe(b);
      // equal serials, one address each: the lowest address (192.0.2.9 < 192.0.2.10 numerically)
      expect(fs.readFileSync(path.join(repo, 'archive/y.zone'), 'latin1')).toBe(c2);
    }
  });

  it('shards published together give the same archive, byte for byte, as one unsharded scan', async () => {
    const all = world1();
    const one = newRepo();
    await pub(one, [await writeResults(tmp(), all)]);
    const three = newRepo();
    const shardDirs: string[] = [];
    for (let i = 1; i <= 3; i++) {
      shardDirs.push(
        await writeResults(
          tmp(),
          all.filter((t) => inShard({ ...t, nameServers: [] }, { index: i, count: 3 })),
          undefined,
          {},
          { shard: { index: i, count: 3 } },
        ),
      );
    }
    await pub(three, shardDirs);
    const tree = (repo: string) => sh(repo, 'ls-tree', '-r', 'HEAD').replace(/\s+\d+\t/g, '\t');
    expect(tree(three)).toBe(tree(one));
  });

  it('splits a zone over --split-bytes into parts whose concatenation is the text, and joins it again when it shrinks', async () => {
    const lines: string[] = ['big.\t60\tIN\tNS\tns.big.'];
    for (const l of ['0', '9', 'a', 'b', 'z', '-x', '_t', '*']) lines.push(`${l}.big.\t60\tIN\tTXT\t"${l}"`, `${l}1.${l}.big.\t60\tIN\tA\t192.0.2.1`);
    lines.push('\\200x.big.\t60\tIN\tA\t192.0.2.2');
    // canonical order: render through the order the archive expects
    const text = zoneText('big.', 1, sortCanonical(lines));
    const repo = newRepo();
    await pub(repo, [await writeResults(tmp(), [{ zone: 'big.', address: '192.0.2.1', outcome: 'transferred', text }])], { splitBytes: 200 });
    const folder = path.join(repo, 'archive/big');
    const parts = fs.readdirSync(folder).sort();
    expect(parts).toEqual(['%2A.zone', '%C8.zone', '-.zone', '0.zone', '9.zone', '@.zone', '_.zone', 'a.zone', 'b.zone', 'z.zone'].sort());
    const order = ['@', '%2A', '-', '0', '9', '_', 'a', 'b', 'z', '%C8'];
    expect(order.map((p) => fs.readFileSync(path.join(folder, `${p}.zone`), 'latin1')).join('')).toBe(text);
    expect(fs.existsSync(path.join(repo, 'archive/big.zone'))).toBe(false);
    const small = zoneText('big.', 2, ['big.\t60\tIN\tNS\tns.big.']);
    const r = await pub(repo, [await writeResults(tmp(), [{ zone: 'big.', address: '192.0.2.1', outcome: 'transferred', text: small }])], { splitBytes: 200 });
    expect(r.commit).toMatchObject({ committed: true });
    // Moved from parts to one file: the files' counts would add up lines that only moved, so the message gives none.
    expect((r.commit as { body: string }).body).toBe('~ big. 1 → 2');
    expect(fs.existsSync(folder)).toBe(false);
    expect(fs.readFileSync(path.join(repo, 'archive/big.zone'), 'latin1')).toBe(small);
    // The parts' lines that the joined file keeps did not change: one SOA replaced, 17 records gone.
    const log = await zonelog(['log', 'big.', '--repo', repo, '--json']);
    expect(JSON.parse(log.stdout).map((e: { added: number; removed: number }) => [e.added, e.removed])).toEqual([
      [1, 18],
      [19, 0],
    ]);
  });

  it('push: when the remote moved on, rebuilds on top of it zone by zone and lands both histories without forcing', async () => {
    const { bare, a, b } = await twoPublishers();
    // b publishes a scan where ba. changed and pushes first
    const newer = world1().map((t) => (t.zone === 'ba.' && t.outcome === 'transferred' ? { ...t, text: ba2 } : t));
    const rb = await pub(b, [await writeResults(tmp(), newer, new Date('2026-01-01T04:00:00Z'))], { push: true });
    expect(rb.push).toMatchObject({ ok: true });
    // a, not knowing, publishes a later scan that only added new.: rejected, then rebuilt
    const other = world1().concat([{ zone: 'new.', address: '192.0.2.77', outcome: 'transferred', text: zoneText('new.', 1, []) }]);
    const ra = await pub(a, [await writeResults(tmp(), other, new Date('2026-01-01T06:00:00Z'))], { push: true });
    expect(ra.push).toMatchObject({ ok: true, rebuilt: 1 });
    const log = sh(bare, 'log', '--format=%s', 'main').trim().split('\n');
    expect(log).toHaveLength(3);
    // b's commit is an ancestor of the tip: nothing was forced away; both changes are there
    const bHead = sh(b, 'rev-parse', 'HEAD').trim();
    expect(sh(bare, 'merge-base', '--is-ancestor', bHead, 'main')).toBe('');
    expect(sh(bare, 'show', 'main:archive/ba.zone')).toBe(ba2);
    expect(sh(bare, 'show', 'main:archive/new.zone')).toBe(zoneText('new.', 1, []));
    expect(sh(bare, 'log', '-1', '--format=%B', 'main').trim()).toBe('archive: + new. (new)\n\n+ new. 1 1 records');
  });

  it.each([
    ["the remote's scan is newer: ours is refused as older than the archive, and the branch takes the remote's", '2026-01-01T02:00:00Z', 2, 'b'],
    ["our scan is newer: our archive wins, on top of the remote's commit", '2026-01-01T06:00:00Z', 3, 'a'],
  ])('push with a conflict in the archive: %s', async (_what, ourDate, commitsAfter, winner) => {
    const { bare, a, b } = await twoPublishers();
    const baB = zoneText('ba.', 102, ['ba.\t3600\tIN\tNS\tns1.ba.', 'a.ba.\t3600\tIN\tNS\tns.b-side.']);
    const baA = zoneText('ba.', 103, ['ba.\t3600\tIN\tNS\tns1.ba.', 'a.ba.\t3600\tIN\tNS\tns.a-side.']);
    const with_ = (text: string) => world1().map((t) => (t.zone === 'ba.' && t.outcome === 'transferred' ? { ...t, text } : t));
    expect((await pub(b, [await writeResults(tmp(), with_(baB), new Date('2026-01-01T04:00:00Z'))], { push: true })).push).toMatchObject({ ok: true });
    const ra = await pub(a, [await writeResults(tmp(), with_(baA), new Date(ourDate))], { push: true });
    if (winner === 'a') expect(ra.push).toMatchObject({ ok: true });
    else {
      expect((ra.push as { error: string }).error).toBe(
        "the remote's archive holds a newer scan (2026-01-01T04:00:00.000Z) than these results (2026-01-01T02:00:00.000Z); they were not pushed, and main now matches the remote",
      );
      expect(sh(a, 'rev-parse', 'HEAD')).toBe(sh(bare, 'rev-parse', 'main'));
    }
    expect(sh(bare, 'log', '--format=%s', 'main').trim().split('\n')).toHaveLength(commitsAfter);
    expect(sh(bare, 'show', 'main:archive/ba.zone')).toBe(winner === 'a' ? baA : baB);
    // the archive's index agrees with its files
    const index = JSON.parse(sh(bare, 'show', 'main:archive/index.json'));
    expect(index.zones['ba.'].serial).toBe(winner === 'a' ? 103 : 102);
    expect(sh(bare, 'merge-base', '--is-ancestor', sh(b, 'rev-parse', 'HEAD').trim(), 'main')).toBe('');
    if (winner === 'a') {
      // Our commit was replayed onto the remote's: its message describes what it changes there
      // (102 → 103, git's counts), with our scan's date.
      const numstat = sh(bare, 'diff', '--numstat', 'main~1', 'main', '--', 'archive/ba.zone').trim().split('\t');
      expect(sh(bare, 'log', '-1', '--format=%B', 'main')).toContain(`~ ba. 102 → 103 +${numstat[0]} -${numstat[1]}\n\nOwners: ba. @ a`);
      expect(sh(bare, 'log', '-1', '--format=%aI %cI', 'main').trim()).toBe('2026-01-01T06:00:00+00:00 2026-01-01T06:00:00+00:00');
    }
  });

  it('refuses a results directory without report.json, and writes nothing', async () => {
    const repo = newRepo();
    const half = tmp();
    fs.mkdirSync(path.join(half, 'zones'));
    const r = await publishTo(repo, [half]);
    expect(r).toMatchObject({ ok: false, usage: true });
    expect(fs.existsSync(path.join(repo, 'archive'))).toBe(false);
  });

  it('a publish killed at any point leaves the archive as before or as after, and the next run completes', async () => {
    const repo = newRepo();
    await pub(repo, [await writeResults(tmp(), world1())]);
    const before = snapshot(path.join(repo, 'archive'));
    const lines: string[] = [];
    for (let i = 0; i < 20000; i++) lines.push(`n${String(i).padStart(5, '0')}.ba.\t3600\tIN\tNS\tns${i}.example.`);
    const big = zoneText('ba.', 200, lines);
    const changed = world1().map((t) => (t.zone === 'ba.' && t.outcome === 'transferred' ? { ...t, text: big } : t));
    const res = await writeResults(tmp(), changed);
    const after = await (async () => {
      const r2 = newRepo();
      await pub(r2, [await writeResults(tmp(), world1())]);
      await pub(r2, [res]);
      return snapshot(path.join(r2, 'archive'));
    })();
    const bin = path.resolve('dist/src/cli/bin.js');
    const outcomes = new Set<string>();
    for (const delayMs of [5, 40, 80, 120, 200, 400]) {
      const child = spawn(process.execPath, [bin, 'publish', res, '--archive', path.join(repo, 'archive')], { stdio: 'ignore' });
      const exited = new Promise((r) => child.on('exit', r));
      await new Promise((r) => setTimeout(r, delayMs));
      child.kill('SIGKILL');
      await exited;
      const now = snapshot(path.join(repo, 'archive'));
      const journal = fs.existsSync(path.join(repo, 'archive.journal.json'));
      const state = same(now, before) ? 'before' : same(now, after) ? 'after' : journal ? 'journal' : 'mixed';
      expect(state).not.toBe('mixed');
      outcomes.add(state);
      // the next run completes, and leaves it as after
      await pub(repo, [res], { commit: false });
      expect(same(snapshot(path.join(repo, 'archive')), after)).toBe(true);
      // back to before for the next kill
      sh(repo, 'checkout', '-q', '--', 'archive');
      sh(repo, 'clean', '-q', '-fdx', '--', 'archive');
      expect(same(snapshot(path.join(repo, 'archive')), before)).toBe(true);
    }
    expect(outcomes.size).toBeGreaterThan(0);
  }, 120_000);
});

/**
 * The files of a folder as a reader sees them. Temporary files (hidden, named
 * *.zonelog-tmp, swept by the next run) are not part of it; every other file is.
 */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!e.name.endsWith('.zonelog-tmp')) out[path.relative(dir, p)] = fs.readFileSync(p, 'latin1');
      else expect(e.name.startsWith('.')).toBe(true);
    }
  };
  walk(dir);
  return out;
}
function same(a: Record<string, string>, b: Record<string, string>): boolean {
  return JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
}

/** Orders lines the way the canonical text does, by their owner (RFC 4034 §6.1) then line. */
function sortCanonical(lines: string[]): string[] {
  const key = (l: string) => l.split('\t')[0]!.replace(/\\200/g, '\u00c8').split('.').filter(Boolean).reverse().join('\u0000');
  return [...lines].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a < b ? -1 : 1));
}
