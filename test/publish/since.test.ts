import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { publishTo } from '../support/repo.js';
import { tempDir, writeResults, zoneText, type FakeTarget } from '../support/results.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = tempDir();
  dirs.push(d);
  return d;
};
const sh = (repo: string, ...args: string[]) =>
  execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args], { encoding: 'utf8' });

const world = (serial: number): FakeTarget[] => [
  { zone: 'ba.', address: '192.0.2.1', outcome: 'transferred', text: zoneText('ba.', serial, ['ba.\t60\tIN\tNS\tns.ba.']) },
  { zone: 'sy.', address: '192.0.2.2', outcome: 'transferred', text: zoneText('sy.', 1, []) },
];

async function pub(repo: string, targets: FakeTarget[], at: string) {
  const r = await publishTo(repo, [await writeResults(tmp(), targets, new Date(at))]);
  if (!r.ok) throw new Error(r.error);
  return r;
}
const index = (repo: string) => JSON.parse(fs.readFileSync(path.join(repo, 'archive/index.json'), 'utf8'));

describe('since when a zone is in the archive', () => {
  it('is the scan that added it, this time; it stays while the zone changes and comes anew after a removal', async () => {
    const repo = tmp();
    sh(repo, 'init', '-q', '-b', 'main');
    await pub(repo, world(1), '2026-01-01T00:00:00Z');
    expect(index(repo).zones['ba.'].since).toBe('2026-01-01T00:00:00Z');
    await pub(repo, world(2), '2026-01-02T00:00:00Z');
    expect(index(repo).zones['ba.']).toMatchObject({ serial: 2, since: '2026-01-01T00:00:00Z' });
    await pub(repo, [world(2)[1]!, { zone: 'ba.', address: '192.0.2.1', outcome: 'refused' }], '2026-01-03T00:00:00Z');
    expect(index(repo).zones['ba.']).toBeUndefined();
    await pub(repo, world(3), '2026-01-04T00:00:00Z');
    expect(index(repo).zones['ba.'].since).toBe('2026-01-04T00:00:00Z');
    expect(index(repo).zones['sy.'].since).toBe('2026-01-01T00:00:00Z');
    // an unchanged world: no commit
    const before = sh(repo, 'rev-parse', 'HEAD');
    expect((await pub(repo, world(3), '2026-01-05T00:00:00Z')).commit).toEqual({ committed: false });
    expect(sh(repo, 'rev-parse', 'HEAD')).toBe(before);
  });

  it('an index written before `since` existed gets it from git, once', async () => {
    const repo = tmp();
    sh(repo, 'init', '-q', '-b', 'main');
    await pub(repo, world(1), '2026-01-01T00:00:00Z');
    await pub(repo, world(2), '2026-01-02T00:00:00Z');
    // as an older zonelog wrote it: no since
    const old = index(repo);
    for (const z of Object.values(old.zones) as { since?: string }[]) delete z.since;
    fs.writeFileSync(path.join(repo, 'archive/index.json'), JSON.stringify(old, null, 1) + '\n');
    sh(repo, 'commit', '-qam', 'an older index');
    const r = await pub(repo, world(2), '2026-01-03T00:00:00Z');
    expect(r.commit).toMatchObject({ committed: true, subject: 'archive: index updated' });
    expect(index(repo).zones['ba.'].since).toBe('2026-01-01T00:00:00Z');
    expect(index(repo).zones['sy.'].since).toBe('2026-01-01T00:00:00Z');
    expect((await pub(repo, world(2), '2026-01-04T00:00:00Z')).commit).toEqual({ committed: false });
  });
});
