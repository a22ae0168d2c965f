/**
 * Publish under the conditions of a CI system (DESIGN §5): two runs publishing to
 * one bare remote at once, and runs killed (SIGKILL of the whole process group, as
 * a cancelled job or the OOM killer does) at random moments. After any of them the
 * archive is whole: every zone file listed in index.json, every listed zone's file
 * there with the serial and record count it holds.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { writeResults, zoneText, type FakeTarget } from '../support/results.js';
import { GIT_ENV, Scratch, sh } from '../support/repo.js';
import { archiveProblems } from '../support/archive-check.js';

const scratch = new Scratch();
afterEach(() => scratch.cleanup());
const BIN = path.resolve('dist/src/cli/bin.js');

/** A world of `n` zones; zones listed in `bump` get serial 2 and another record. */
function world(n: number, bump: string[] = [], extra: string[] = []): FakeTarget[] {
  const out: FakeTarget[] = [];
  for (const z of [...Array.from({ length: n }, (_, i) => `z${String(i).padStart(3, '0')}.`), ...extra]) {
    const up = bump.includes(z);
    const records = Array.from({ length: 200 }, (_, i) => `h${String(i).padStart(3, '0')}.${z}\t60\tIN\tA\t192.0.2.${i % 250}`);
    if (up) records.push(`zz.${z}\t60\tIN\tTXT\t"new"`);
    out.push({ zone: z, address: '192.0.2.1', outcome: 'transferred', text: zoneText(z, up ? 2 : 1, records) });
  }
  return out;
}

function run(args: string[], cwd?: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: GIT_ENV, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

function checkout(bare: string): string {
  const dir = scratch.dir();
  execFileSync('git', ['clone', '-q', bare, dir]);
  return dir;
}

describe('two publishers at once, one bare remote', () => {
  it('each trial: both land or the older is refused; index.json and the tree always agree', async () => {
    const bare = scratch.bare();
    const seed = checkout(bare);
    let t = Date.parse('2026-01-01T00:00:00Z');
    const at = () => new Date((t += 3600_000));
    expect((await run(['publish', await writeResults(scratch.dir(), world(20), at()), '--archive', path.join(seed, 'archive'), '--push'])).code).toBe(0);
    const outcomes = new Set<string>();
    for (let trial = 0; trial < 4; trial++) {
      const a = checkout(bare);
      const b = checkout(bare);
      const older = await writeResults(scratch.dir(), world(20, [`z00${trial}.`], [`a${trial}.`]), at());
      const newer = await writeResults(scratch.dir(), world(20, [`z01${trial}.`], [`b${trial}.`]), at());
      const [ra, rb] = await Promise.all([
        run(['publish', older, '--archive', path.join(a, 'archive'), '--push']),
        run(['publish', newer, '--archive', path.join(b, 'archive'), '--push']),
      ]);
      // the newer scan always lands; the older lands when it was first, else it is refused as older
      expect(rb).toEqual({ code: 0, stderr: '' });
      if (ra.code !== 0) {
        expect(ra.code).toBe(2);
        expect(ra.stderr).toMatch(
          /^zonelog: push failed.*: the remote's archive holds a newer scan \(.*\) than these results \(.*\); they were not pushed, and main now matches the remote\n$/,
        );
      }
      outcomes.add(ra.code === 0 ? 'both' : 'older refused');
      const tip = checkout(bare);
      expect(archiveProblems(path.join(tip, 'archive'))).toEqual([]);
      const index = JSON.parse(fs.readFileSync(path.join(tip, 'archive/index.json'), 'utf8'));
      expect(index.zones[`b${trial}.`]).toBeDefined();
      expect(index.zones[`z01${trial}.`].serial).toBe(2);
      expect(Boolean(index.zones[`a${trial}.`])).toBe(ra.code === 0);
      expect(sh(bare, 'for-each-ref', '--format=%(refname)')).toBe('refs/heads/main\n');
      // dates never go back along the history
      const dates = sh(bare, 'log', '--format=%at', 'main').trim().split('\n').map(Number);
      expect([...dates].sort((x, y) => y - x)).toEqual(dates);
    }
    expect(outcomes.size).toBeGreaterThan(0);
  }, 180_000);
});

describe('SIGKILL of the process group at random moments', () => {
  it('the next run succeeds and gives the tree an uninterrupted run gives', async () => {
    const base = scratch.repo();
    expect(
      (
        await run([
          'publish',
          await writeResults(scratch.dir(), world(60), new Date('2026-01-01T00:00:00Z')),
          '--archive',
          path.join(base, 'archive'),
          '--commit',
        ])
      ).code,
    ).toBe(0);
    const changed = world(60, ['z003.', 'z017.', 'z042.'], ['new.'])
      .filter((w) => w.zone !== 'z050.')
      .concat([{ zone: 'z050.', address: '192.0.2.1', outcome: 'refused' }]);
    const results = await writeResults(scratch.dir(), changed, new Date('2026-01-01T02:00:00Z'));
    const copy = () => {
      const d = scratch.dir();
      fs.cpSync(base, d, { recursive: true });
      return d;
    };
    const reference = copy();
    expect((await run(['publish', results, '--archive', path.join(reference, 'archive'), '--commit'])).code).toBe(0);
    const tree = (repo: string) => sh(repo, 'rev-parse', 'HEAD^{tree}').trim();
    const want = tree(reference);
    expect(want).not.toBe(tree(base));

    // a bounded loop: killed somewhere between start and a little past an uninterrupted run's end
    const t0 = Date.now();
    await run(['publish', results, '--archive', path.join(copy(), 'archive'), '--commit']);
    const span = Date.now() - t0;
    // Half the trials kill at a random moment; the other half the moment git takes
    // the index lock (what leaves .git/index.lock behind), with a random delay after.
    const locks = { seen: 0 };
    for (let trial = 0; trial < 12; trial++) {
      const repo = copy();
      const child = spawn(process.execPath, [BIN, 'publish', results, '--archive', path.join(repo, 'archive'), '--commit'], {
        env: GIT_ENV,
        stdio: 'ignore',
        detached: true,
      });
      let done = false;
      const exited = new Promise((r) => child.on('exit', () => r((done = true))));
      if (trial % 2 === 0) await new Promise((r) => setTimeout(r, Math.floor(Math.random() * span * 1.1)));
      else {
        const lock = path.join(repo, '.git/index.lock');
        while (!done && !fs.existsSync(lock)) await new Promise((r) => setImmediate(r));
        if (fs.existsSync(lock)) locks.seen++;
      }
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already done */
      }
      await exited;
      const next = await run(['publish', results, '--archive', path.join(repo, 'archive'), '--commit']);
      expect(next.stderr).not.toMatch(/internal error|\n\s+at /);
      expect(next.code).toBe(0);
      expect(tree(repo)).toBe(want);
      expect(archiveProblems(path.join(repo, 'archive'))).toEqual([]);
      expect(sh(repo, 'status', '--porcelain', '--', 'archive')).toBe('');
      expect(fs.existsSync(path.join(repo, '.git/index.lock'))).toBe(false);
    }
    expect(locks.seen).toBeGreaterThan(0);
  }, 240_000);
});
