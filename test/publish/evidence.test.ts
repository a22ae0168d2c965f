/**
 * A zone leaves the archive only on complete evidence (DESIGN §5), and publish
 * knows which shards of a scan it was given.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import type { PublishOptions } from '../../src/publish/publish.js';
import { writeResults, zoneText, type FakeReport, type FakeTarget } from '../support/results.js';
import { Scratch, publishTo } from '../support/repo.js';
import { archiveProblems } from '../support/archive-check.js';
import type { TargetOutcome } from '../../src/scan/results.js';

const scratch = new Scratch();
afterEach(() => scratch.cleanup());

const lines = Array.from({ length: 50 }, (_, i) => `h${String(i).padStart(2, '0')}.big.\t60\tIN\tA\t192.0.2.${i}`);
const big = zoneText('big.', 7, lines);
const ADDRS = ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4', '192.0.2.5', '192.0.2.6'];
let clock = Date.parse('2026-01-01T00:00:00Z');
const next = () => new Date((clock += 7200_000));

async function pub(repo: string, dirs: string[], extra: Partial<PublishOptions> = {}) {
  return publishTo(repo, dirs, extra);
}
/** An archive where all six addresses allowed the transfer of big. */
async function archived(): Promise<string> {
  const repo = scratch.repo();
  const r = await pub(repo, [
    await writeResults(
      scratch.dir(),
      ADDRS.map((address) => ({ zone: 'big.', address, outcome: 'transferred', text: big })),
      next(),
    ),
  ]);
  expect(r.ok).toBe(true);
  return repo;
}
const outcomes = (...o: TargetOutcome[]): FakeTarget[] => o.map((outcome, i) => ({ zone: 'big.', address: ADDRS[i]!, outcome }));
const kept = (repo: string) => fs.existsSync(path.join(repo, 'archive/big.zone'));

describe('removal needs complete evidence', () => {
  it.each<[string, TargetOutcome[]]>([
    ['a deadline skipped 4 of 6 addresses, 1 timed out, 1 refused', ['skipped', 'skipped', 'skipped', 'skipped', 'timeout', 'refused']],
    ['refused, truncated (it was sending the zone), refused', ['refused', 'truncated', 'refused', 'refused', 'refused', 'refused']],
    ['one refusal while the others time out (a flapping server)', ['refused', 'timeout', 'timeout', 'timeout', 'timeout', 'timeout']],
    ['a reset among refusals', ['refused', 'refused', 'reset', 'refused', 'refused', 'refused']],
    ['SERVFAIL among refusals', ['refused', 'refused', 'servfail', 'refused', 'refused', 'refused']],
    ['five refusals and one address not asked (excluded)', ['refused', 'refused', 'refused', 'refused', 'refused']],
  ])('%s: the zone stays', async (_what, o) => {
    const repo = await archived();
    const r = await pub(repo, [await writeResults(scratch.dir(), outcomes(...o), next(), {}, { zoneAddresses: { 'big.': ADDRS } })]);
    expect(r.ok).toBe(true);
    expect(kept(repo)).toBe(true);
    expect((r as { commit: unknown }).commit).toEqual({ committed: false });
  });

  it('every archived address refused: the zone goes, and the message says by how many', async () => {
    const repo = await archived();
    const r = await pub(repo, [await writeResults(scratch.dir(), outcomes(...ADDRS.map(() => 'refused' as const)), next())]);
    expect(kept(repo)).toBe(false);
    expect((r as { commit: { body: string } }).commit.body).toBe('- big. refused by 6 of 6 addresses');
    expect(archiveProblems(path.join(repo, 'archive'))).toEqual([]);
  });

  it('addresses that discovery no longer lists for the zone count as gone; the others must refuse', async () => {
    const repo = await archived();
    // The zone's name servers now have two addresses, both refuse; the four others left the zone.
    const now: FakeReport = { zoneAddresses: { 'big.': ['192.0.2.1', '192.0.2.2'] } };
    const r = await pub(repo, [await writeResults(scratch.dir(), outcomes('refused', 'refused'), next(), {}, now)]);
    expect(r.ok).toBe(true);
    expect(kept(repo)).toBe(false);
    // While discovery still lists the four others, it stays.
    const repo2 = await archived();
    await pub(repo2, [await writeResults(scratch.dir(), outcomes('refused', 'refused'), next(), {}, { zoneAddresses: { 'big.': ADDRS } })]);
    expect(kept(repo2)).toBe(true);
  });

  it('an address that left the zone drops out of its servers; a silent one stays in', async () => {
    const repo = await archived();
    const t: FakeTarget[] = [
      { zone: 'big.', address: ADDRS[0]!, outcome: 'transferred', text: big },
      { zone: 'big.', address: ADDRS[1]!, outcome: 'timeout' },
    ];
    await pub(repo, [await writeResults(scratch.dir(), t, next(), {}, { zoneAddresses: { 'big.': ADDRS.slice(0, 3) } })]);
    const index = JSON.parse(fs.readFileSync(path.join(repo, 'archive/index.json'), 'utf8'));
    expect(index.zones['big.'].servers.map((s: { address: string }) => s.address)).toEqual(ADDRS.slice(0, 3));
  });
});

describe('shards', () => {
  /** Three shards of one scan where every address refuses big. */
  async function shards(): Promise<string[]> {
    const at = next();
    const dirs: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const mine = ADDRS.filter((_, k) => k % 3 === i - 1).map((address): FakeTarget => ({ zone: 'big.', address, outcome: 'refused' }));
      dirs.push(await writeResults(scratch.dir(), mine, at, {}, { shard: { index: i, count: 3 }, scanId: 'run-42', zoneAddresses: { 'big.': ADDRS } }));
    }
    return dirs;
  }

  it.each<[string, (d: string[]) => string[], RegExp]>([
    ['shard 1 of 3 alone', (d) => [d[0]!], /^shard 2\/3 of scan run-42 is missing; give its results directory too, or --partial/],
    ['2 of 3 shards', (d) => [d[0]!, d[2]!], /^shard 2\/3 of scan run-42 is missing/],
    ['one shard twice', (d) => [d[0]!, d[1]!, d[2]!, d[1]!], /^shard 2\/3 of scan run-42 is given twice \(.* and .*\)/],
  ])('%s is refused, naming the shard; nothing changes', async (_what, pick, message) => {
    const repo = await archived();
    const r = await pub(repo, pick(await shards()));
    expect(r).toMatchObject({ ok: false, usage: false });
    expect((r as { error: string }).error).toMatch(message);
    expect(kept(repo)).toBe(true);
  });

  it('with --partial the shards are published but nothing is removed; all three remove the zone', async () => {
    const repo = await archived();
    const d = await shards();
    const partial = await pub(repo, [d[0]!], { partial: true });
    expect(partial.ok).toBe(true);
    expect(kept(repo)).toBe(true);
    const all = await pub(repo, d);
    expect(all.ok).toBe(true);
    expect(kept(repo)).toBe(false);
  });
});

describe('time goes forward', () => {
  it("results from a scan older than the archive's last scan are refused, naming both times", async () => {
    const repo = scratch.repo();
    const t: FakeTarget[] = [{ zone: 'big.', address: ADDRS[0]!, outcome: 'transferred', text: big }];
    expect((await pub(repo, [await writeResults(scratch.dir(), t, new Date('2026-03-01T10:00:00Z'))])).ok).toBe(true);
    const older = [{ ...t[0]!, text: zoneText('big.', 8, []) }];
    const r = await pub(repo, [await writeResults(scratch.dir(), older, new Date('2026-02-26T10:00:00Z'))]);
    expect(r).toMatchObject({
      ok: false,
      usage: false,
      error:
        "these results are from a scan that began at 2026-02-26T10:00:00.000Z, before the archive's last scan at 2026-03-01T10:00:00.000Z; publish newer results",
    });
    expect(fs.readFileSync(path.join(repo, 'archive/big.zone'), 'latin1')).toBe(big);
  });
});
