/**
 * How the archive's repository grows: the real root zone's versions (the corpus),
 * published one commit each, measured as loose objects and as git packs them.
 * README.md ("Run your own archive") quotes the figure for every version:
 *   ZONELOG_GROWTH_VERSIONS=101 npx vitest run test/archive/growth.test.ts
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { replay } from '../support/replay.js';

describe('repository growth', () => {
  it('each version of a zone costs about the lines that changed once git packs it', async () => {
    const { repo, commits } = await replay({ count: Number(process.env.ZONELOG_GROWTH_VERSIONS ?? 20) });
    try {
      const g = (...a: string[]) => execFileSync('git', ['-C', repo, ...a], { encoding: 'utf8' });
      const kib = (key: string) => Number(new RegExp(`^${key}: (\\d+)$`, 'm').exec(g('count-objects', '-v'))![1]);
      const zone = fs.statSync(`${repo}/archive/root.zone`).size;
      const loose = kib('size');
      g('gc', '-q');
      const packed = kib('size-pack');
      g('gc', '-q', '--aggressive');
      const aggressive = kib('size-pack');
      console.log(`${commits} commits of root.zone (${zone} bytes): loose ${loose} KiB, git gc ${packed} KiB, git gc --aggressive ${aggressive} KiB`);
      // Loose, each version is the whole file compressed; packed, a delta against the one before.
      expect(loose).toBeGreaterThan(commits * (zone / 1024) * 0.2);
      expect(packed * 5).toBeLessThan(loose);
      expect(aggressive).toBeLessThanOrEqual(packed);
    } finally {
      fs.rmSync(repo, { recursive: true, force: true });
    }
  }, 600_000);
});
