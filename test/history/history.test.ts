import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zonelog } from '../support/cli.js';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { canonicalOf, corpus, isRootZone, replay, type Version } from '../support/replay.js';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await zonelog(args);
  return { code: r.code, out: r.stdout, err: r.stderr };
}
const git = (repo: string, ...args: string[]) => execFileSync('git', ['-C', repo, ...args], { encoding: 'latin1', maxBuffer: 1 << 28 });
const lines = (t: string) => t.split('\n').filter(Boolean);
function setDiff(a: string, b: string): { added: string[]; removed: string[] } {
  const la = new Set(lines(a));
  const lb = new Set(lines(b));
  return { added: [...lb].filter((l) => !la.has(l)).sort(), removed: [...la].filter((l) => !lb.has(l)).sort() };
}

/** A repository the test writes commit by commit, with an empty `archive/`. */
function handRepo(prefix: string): { dir: string; g: (...args: string[]) => Buffer } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const g = (...a: string[]) => execFileSync('git', ['-C', dir, '-c', 'user.name=h', '-c', 'user.email=h@example.org', ...a]);
  g('init', '-q', '-b', 'main');
  fs.mkdirSync(`${dir}/archive`);
  return { dir, g };
}
const soa = (n: number) => `x.\t60\tIN\tSOA\tns.x. h.x. ${n} 1 1 1 1\n`;

let repo: string;
let split: string;
let versions: Version[];
let commits: number;
let outcomes: string[];
/** Versions that are root zones (one in the corpus begins with the SOA of test.). */
let good: Version[];
const SPLIT_COUNT = 12;

beforeAll(async () => {
  ({ repo, versions, commits, outcomes } = await replay());
  good = versions.filter((_, i) => outcomes[i] === 'transferred');
  ({ repo: split } = await replay({ count: SPLIT_COUNT, splitBytes: 200_000 }));
}, 600_000);
afterAll(() => {
  if (!process.env.ZONELOG_KEEP_REPLAY) for (const d of [repo, split]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

describe('replaying the real root zone history (101 versions, 2018)', () => {
  it('makes one commit per changed version, dated at the capture', () => {
    expect(versions).toHaveLength(corpus().versions.length);
    expect(versions.length).toBe(101);
    // the odd version is refused by the client as malformed, and changes nothing
    expect(outcomes.filter((o) => o !== 'transferred')).toEqual(['malformed']);
    expect(versions.filter((v) => isRootZone(v.rev))).toEqual(good);
    let expected = 0;
    let prev = '';
    for (const v of good) {
      const text = canonicalOf(v.rev);
      if (text !== prev) expected++;
      prev = text;
    }
    expect(commits).toBe(expected);
    expect(commits).toBeLessThanOrEqual(101);
    const dates = lines(git(repo, 'log', '--format=%cI'));
    expect(dates).toHaveLength(commits);
    for (const d of dates) expect(good.some((v) => Date.parse(v.date) === Date.parse(d))).toBe(true);
    // Parses and sorts all 101 real versions: minutes on a busy 2-core machine.
  }, 300_000);

  it('git diff between two commits is the semantic difference of the two source files', () => {
    const list = lines(git(repo, 'log', '--reverse', '--format=%H %cI'));
    const pick = [
      [0, 1],
      [3, 40],
      [10, list.length - 1],
    ];
    for (const [i, j] of pick) {
      const [ca, da] = list[i!]!.split(' ');
      const [cb, db] = list[j!]!.split(' ');
      const va = good.filter((v) => Date.parse(v.date) <= Date.parse(da!)).at(-1)!;
      const vb = good.filter((v) => Date.parse(v.date) <= Date.parse(db!)).at(-1)!;
      const want = setDiff(canonicalOf(va.rev), canonicalOf(vb.rev));
      const patch = lines(git(repo, 'diff', '-U0', ca!, cb!, '--', 'archive/root.zone')).filter((l) => !/^(\+\+\+|---|@@|diff|index)/.test(l));
      expect(
        patch
          .filter((l) => l[0] === '+')
          .map((l) => l.slice(1))
          .sort(),
      ).toEqual(want.added);
      expect(
        patch
          .filter((l) => l[0] === '-')
          .map((l) => l.slice(1))
          .sort(),
      ).toEqual(want.removed);
    }
  });
});

describe('zonelog log / diff / when / show / stats on that history', () => {
  it('log . lists exactly the commits where the file changed', async () => {
    const r = await run(['log', '.', '--repo', repo, '--json']);
    expect(r.code).toBe(0);
    const entries = JSON.parse(r.out) as { commit: string; serial: number; added: number; removed: number }[];
    expect(entries.map((e) => e.commit)).toEqual(lines(git(repo, 'log', '--format=%H', '--', 'archive/root.zone')));
    const numstat = lines(git(repo, 'log', '--format=', '--numstat', '--', 'archive/root.zone')).map((l) => l.split('\t').slice(0, 2).map(Number));
    expect(entries.map((e) => [e.added, e.removed])).toEqual(numstat);
    for (const e of entries)
      expect(e.serial).toBe(
        Number(
          lines(git(repo, 'show', `${e.commit}:archive/root.zone`))[0]!
            .split('\t')[4]!
            .split(' ')[2],
        ),
      );
    // A header row, then one row per commit: ASCII only, so grep and awk read it.
    const text = await run(['log', '.', '--repo', repo]);
    expect(lines(text.out)).toHaveLength(entries.length + 1);
    expect(lines(text.out)[0]).toBe('date\tcommit\tserial\tadded\tremoved');
    expect(text.out).toMatch(/^[\x09\x0a\x20-\x7e]*$/);
    expect(lines(text.out)[1]).toBe(
      `${(entries[0] as { date?: string }).date}\t${entries[0]!.commit.slice(0, 12)}\t${entries[0]!.serial}\t+${entries[0]!.added}\t-${entries[0]!.removed}`,
    );
    const bare = await run(['log', '.', '--repo', repo, '--no-header']);
    expect(lines(bare.out)).toEqual(lines(text.out).slice(1));
    const csv = await run(['log', '.', '--repo', repo, '--format', 'csv']);
    expect(lines(csv.out)[1]).toBe(
      `${(entries[0] as { date?: string }).date},${entries[0]!.commit.slice(0, 12)},${entries[0]!.serial},${entries[0]!.added},${entries[0]!.removed}`,
    );
  });

  it('diff . --from A --to B (dates) equals the set difference of the two source versions', async () => {
    const a = good[5]!;
    const b = good[60]!;
    const r = await run(['diff', '.', '--repo', repo, '--from', a.date, '--to', b.date]);
    expect(r.code).toBe(0);
    const got = lines(r.out);
    const want = setDiff(canonicalOf(a.rev), canonicalOf(b.rev));
    expect(
      got
        .filter((l) => l[0] === '+')
        .map((l) => l.slice(1))
        .sort(),
    ).toEqual(want.added);
    expect(
      got
        .filter((l) => l[0] === '-')
        .map((l) => l.slice(1))
        .sort(),
    ).toEqual(want.removed);
    const ds = await run(['diff', '.', '--repo', repo, '--from', a.date, '--to', b.date, '--type', 'DS']);
    expect(lines(ds.out).every((l) => l.split('\t')[3] === 'DS')).toBe(true);
  });

  it('when: first and last dates of a delegation that changed in the period', async () => {
    // Find an NS record present in some versions only, from the sources alone.
    const texts = good.map((v) => new Set(lines(canonicalOf(v.rev)).filter((l) => l.split('\t')[3] === 'NS')));
    let found: { record: string; first: number; last: number } | undefined;
    for (const rec of texts[0]!) {
      const idx = texts.map((t, i) => (t.has(rec) ? i : -1)).filter((i) => i >= 0);
      if (idx.length < texts.length && idx.length > 0 && idx.at(-1)! - idx[0]! + 1 === idx.length) {
        found = { record: rec, first: idx[0]!, last: idx.at(-1)! };
        break;
      }
    }
    expect(found).toBeDefined();
    const owner = found!.record.split('\t')[0]!;
    const r = await run(['when', owner, '--repo', repo, '--zone', '.', '--json']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.out) as { record: string; first: { date: string }; last: { date: string }; present: boolean }[];
    const p = list.find((x) => x.record === found!.record)!;
    expect(p).toBeDefined();
    expect(Date.parse(p.first.date)).toBe(Date.parse(good[found!.first]!.date));
    // the last commit it was present in is the last version before the removal that made a commit
    const lastCommitDates = lines(git(repo, 'log', '--format=%cI'))
      .map(Date.parse)
      .filter((d) => d <= Date.parse(good[found!.last]!.date));
    expect(Date.parse(p.last.date)).toBe(Math.max(...lastCommitDates));
    expect(p.present).toBe(found!.last === good.length - 1);
  });

  it('when reads the owners listed in commit messages: the same answer as diffing every commit', async () => {
    // zonelog's messages list, in an `Owners:` trailer per zone, the owners whose records changed.
    const bodies = git(repo, 'log', '--format=%B%x00').split('\0');
    expect(bodies.some((b) => /^Owners: \. /m.test(b))).toBe(true);
    // A twin of the repository whose messages say nothing about owners: `when` must diff every commit there.
    const twin = fs.mkdtempSync(path.join(os.tmpdir(), 'zonelog-twin-'));
    try {
      git(twin, 'clone', '-q', repo, '.');
      execFileSync('git', ['-C', twin, 'filter-branch', '-f', '--msg-filter', "grep -v -e '^Owners: ' -e '^ '", 'HEAD'], {
        env: { ...process.env, FILTER_BRANCH_SQUELCH_WARNING: '1' },
        stdio: 'pipe',
      });
      expect(git(twin, 'log', '--format=%B')).not.toMatch(/owners:/i);
      // Owners that changed in the period, some with several changes, and one with none.
      // (the root zone's owners are written relative to it: `com` is `com.`)
      const owners = [
        ...new Set(
          bodies.flatMap((b) =>
            (b.match(/^Owners: \. .*$/gm) ?? []).flatMap((l) =>
              l
                .slice(10)
                .split(' ')
                .map((o) => (o === '@' ? '.' : o + '.')),
            ),
          ),
        ),
      ];
      const counted = owners.map((o) => [o, bodies.filter((b) => b.includes(' ' + o + ' ') || b.includes(' ' + o + '\n')).length] as const);
      const picks = [...counted]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([o]) => o);
      const below =
        picks
          .find((o) => o !== '.')!
          .split('.')
          .slice(-2)
          .join('.') || 'com.';
      for (const args of [...picks.map((o) => [o]), [below, '--below'], ['.']]) {
        const strip = (out: string) =>
          JSON.parse(out).map((p: { first: { date: string }; last: { date: string } }) => ({ ...p, first: p.first.date, last: p.last.date }));
        const a = await run(['when', ...args, '--zone', '.', '--repo', repo, '--json']);
        const b = await run(['when', ...args, '--zone', '.', '--repo', twin, '--json']);
        expect(a.code, a.err).toBe(0);
        expect(strip(a.out)).toEqual(strip(b.out));
        expect(strip(a.out).length).toBeGreaterThan(0);
      }
    } finally {
      fs.rmSync(twin, { recursive: true, force: true });
    }
  });

  it('when diffs only the commits whose message names the owner', async () => {
    const { dir: hand, g } = handRepo('zonelog-owners-');
    try {
      fs.writeFileSync(`${hand}/archive/x.zone`, soa(1) + 'a.x.\t60\tIN\tA\t192.0.2.1\n');
      g('add', '-A');
      g('commit', '-qm', 'archive: 1 added', '-m', '+ x. 1 2 records');
      fs.writeFileSync(`${hand}/archive/x.zone`, soa(2) + 'a.x.\t60\tIN\tA\t192.0.2.2\n');
      // A message that (wrongly) says only the apex changed: `when a.x.` trusts it and does not diff this commit.
      g('commit', '-qam', 'archive: 1 changed', '-m', '~ x. 1 → 2 +2 −2\n  owners: x.');
      fs.writeFileSync(`${hand}/archive/x.zone`, soa(3) + 'a.x.\t60\tIN\tA\t192.0.2.3\n');
      g('commit', '-qam', 'archive: 1 changed', '-m', '~ x. 2 → 3 +2 −2\n  owners: a.x. x.');
      const r = await run(['when', 'a.x.', '--zone', 'x.', '--repo', hand, '--json']);
      const got = JSON.parse(r.out).map((p: { record: string; present: boolean }) => [p.record.split('\t')[4], p.present]);
      // Commit 2 was not diffed, so the change of a.x. it really made (192.0.2.1 → .2) is not seen:
      // the answer follows the message. (zonelog writes the owners from git's own diff.)
      expect(got).toEqual([
        ['192.0.2.1', true],
        ['192.0.2.3', true],
      ]);
      const all = await run(['when', 'x.', '--zone', 'x.', '--repo', hand, '--json']);
      expect(JSON.parse(all.out)).toHaveLength(3);
    } finally {
      fs.rmSync(hand, { recursive: true, force: true });
    }
  });

  it('show . --at DATE equals the version of that date', async () => {
    for (const i of [0, 33, good.length - 1]) {
      const v = good[i]!;
      const r = await run(['show', '.', '--repo', repo, '--at', v.date]);
      expect(r.code).toBe(0);
      expect(r.out).toBe(canonicalOf(v.rev));
    }
    const day = good[50]!.date.slice(0, 10);
    const onDay = good.filter((v) => v.date.slice(0, 10) <= day).at(-1)!;
    expect((await run(['show', '.', '--repo', repo, '--at', day])).out).toBe(canonicalOf(onDay.rev));
  });

  it('stats gives records by type and delegations per commit', async () => {
    const r = await run(['stats', '.', '--repo', repo, '--format', 'json']);
    const rows = JSON.parse(r.out) as { commit: string; records: number; delegations: number; byType: Record<string, number> }[];
    expect(rows).toHaveLength(commits);
    const last = rows.at(-1)!;
    const text = lines(canonicalOf(good.at(-1)!.rev));
    expect(last.records).toBe(text.length);
    expect(last.byType.DS).toBe(text.filter((l) => l.split('\t')[3] === 'DS').length);
    expect(last.delegations).toBe(new Set(text.filter((l) => l.split('\t')[3] === 'NS' && l.split('\t')[0] !== '.').map((l) => l.split('\t')[0])).size);
    const csv = await run(['stats', '--repo', repo]);
    expect(lines(csv.out)[0]).toMatch(/^date,commit,zone,serial,records,delegations,/);
  });

  it('answers the same whether the zone was split or not', async () => {
    expect(fs.existsSync(`${split}/archive/root`)).toBe(true);
    expect(fs.existsSync(`${split}/archive/root.zone`)).toBe(false);
    const v = versions[SPLIT_COUNT - 1]!;
    const a = versions[1]!;
    const plainRepo = repo;
    const strip = (out: string) => JSON.parse(out).map((e: { commit: string }) => ({ ...e, commit: undefined }));
    const logPlain = (await run(['log', '.', '--repo', plainRepo, '--until', v.date, '--json'])).out;
    const logSplit = (await run(['log', '.', '--repo', split, '--json'])).out;
    expect(strip(logSplit)).toEqual(strip(logPlain));
    expect((await run(['show', '.', '--repo', split, '--at', v.date])).out).toBe(canonicalOf(v.rev));
    const d1 = (await run(['diff', '.', '--repo', split, '--from', a.date, '--to', v.date])).out;
    const d2 = (await run(['diff', '.', '--repo', plainRepo, '--from', a.date, '--to', v.date])).out;
    expect(lines(d1).sort()).toEqual(lines(d2).sort());
  });

  it("log reads zonelog's messages, and the patches of commits that zonelog did not write", async () => {
    const { dir: hand, g } = handRepo('zonelog-hand-');
    try {
      fs.writeFileSync(`${hand}/archive/x.zone`, soa(1) + 'a.x.\t60\tIN\tA\t192.0.2.1\n');
      g('add', '-A');
      g('commit', '-qm', 'by hand');
      fs.writeFileSync(`${hand}/archive/x.zone`, soa(2) + 'b.x.\t60\tIN\tA\t192.0.2.2\nc.x.\t60\tIN\tA\t192.0.2.3\n');
      g('commit', '-qam', 'by hand again');
      // A zonelog commit about another zone, and a hand commit outside the zones: not in x.'s log.
      fs.writeFileSync(`${hand}/archive/y.zone`, 'y.\t60\tIN\tSOA\tns.y. h.y. 1 1 1 1 1\n');
      g('add', '-A');
      g('commit', '-qm', 'archive: 1 added', '-m', '+ y. 1 1 records');
      fs.writeFileSync(`${hand}/notes.txt`, 'x.\n');
      g('add', '-A');
      g('commit', '-qm', 'notes about x.');
      // A zonelog commit about x.: read from its message.
      fs.writeFileSync(`${hand}/archive/x.zone`, soa(3) + 'b.x.\t60\tIN\tA\t192.0.2.2\n');
      g('commit', '-qam', 'archive: 1 changed', '-m', '~ x. 2 → 3 +1 −2\n  owners: c.x. x.');
      const r = await run(['log', 'x.', '--repo', hand, '--json']);
      expect(JSON.parse(r.out).map((e: { serial: number; added: number; removed: number }) => [e.serial, e.added, e.removed])).toEqual([
        [3, 1, 2],
        [2, 3, 2],
        [1, 2, 0],
      ]);
    } finally {
      fs.rmSync(hand, { recursive: true, force: true });
    }
  });

  it('unknown zone, name or revision: one line, exit 1', async () => {
    for (const args of [
      ['log', 'nope.'],
      ['show', '.', '--at', 'no-such-rev'],
      ['when', 'no-such-tld.', '--zone', '.'],
      ['diff', '.', '--from', '1999-01-01'],
    ]) {
      const r = await run([...args, '--repo', repo]);
      expect(r.code).toBe(1);
      expect(lines(r.err)).toHaveLength(1);
    }
  });
});
