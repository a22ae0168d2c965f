/** The one patch reader, on git's own output and on hand-written edge cases. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitLines } from '../../src/git/git.js';
import { PATCH_LOG_FORMAT, PATCH_OPTIONS, addedLines, readNumstat, readPatches, removedLines } from '../../src/git/patch.js';

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('readPatches', () => {
  it('reads every commit of a real git log -p: added, removed and deleted files, a file without a final newline', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonelog-patch-'));
    try {
      const g = (...a: string[]) => execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@example.org', ...a]);
      g('init', '-q', '-b', 'main');
      fs.mkdirSync(path.join(dir, 'archive'));
      fs.writeFileSync(path.join(dir, 'archive/x.zone'), 'x.\t60\tIN\tSOA\tns.x. h.x. 1 1 1 1 1\na.x.\t60\tIN\tA\t192.0.2.1\n');
      fs.writeFileSync(path.join(dir, 'archive/y.zone'), 'y.\t60\tIN\tSOA\tns.y. h.y. 1 1 1 1 1');
      g('add', '-A');
      g('commit', '-qm', 'one');
      // A removed line that starts like a file header once git adds its `-`: still a record.
      fs.writeFileSync(path.join(dir, 'archive/x.zone'), 'x.\t60\tIN\tSOA\tns.x. h.x. 2 1 1 1 1\n-- a.x.\t60\tIN\tA\t192.0.2.2\n');
      fs.rmSync(path.join(dir, 'archive/y.zone'));
      g('add', '-A');
      g('commit', '-qm', 'two');
      const commits = await all(readPatches(gitLines(dir, process.env, ['log', '--reverse', '-p', ...PATCH_OPTIONS, PATCH_LOG_FORMAT])));
      expect(commits).toHaveLength(2);
      for (const c of commits) {
        expect(c.commit).toMatch(/^[0-9a-f]{40}$/);
        expect(Number.isNaN(Date.parse(c.date))).toBe(false);
      }
      const [one, two] = commits as [(typeof commits)[0], (typeof commits)[0]];
      expect([...one.files.keys()].sort()).toEqual(['archive/x.zone', 'archive/y.zone']);
      expect(addedLines(one.files.get('archive/x.zone')!)).toEqual(['x.\t60\tIN\tSOA\tns.x. h.x. 1 1 1 1 1', 'a.x.\t60\tIN\tA\t192.0.2.1']);
      expect(addedLines(one.files.get('archive/y.zone')!)).toEqual(['y.\t60\tIN\tSOA\tns.y. h.y. 1 1 1 1 1']);
      const x = two.files.get('archive/x.zone')!;
      expect(removedLines(x)).toEqual(['x.\t60\tIN\tSOA\tns.x. h.x. 1 1 1 1 1', 'a.x.\t60\tIN\tA\t192.0.2.1']);
      expect(addedLines(x)).toEqual(['x.\t60\tIN\tSOA\tns.x. h.x. 2 1 1 1 1', '-- a.x.\t60\tIN\tA\t192.0.2.2']);
      expect(removedLines(two.files.get('archive/y.zone')!)).toEqual(['y.\t60\tIN\tSOA\tns.y. h.y. 1 1 1 1 1']);
      expect(addedLines(two.files.get('archive/y.zone')!)).toEqual([]);
      // git diff: no commit header, one commit with no id.
      const diff = await all(readPatches(gitLines(dir, process.env, ['diff', ...PATCH_OPTIONS, 'HEAD~1', 'HEAD'])));
      expect(diff).toHaveLength(1);
      expect(diff[0]!.commit).toBe('');
      expect(diff[0]!.files.get('archive/x.zone')!.lines).toEqual(two.files.get('archive/x.zone')!.lines);
      // A failing git command throws, with git's first line.
      await expect(all(gitLines(dir, process.env, ['log', 'no-such-revision']))).rejects.toThrow(/git log failed: fatal: /);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('counts only lines inside a hunk', async () => {
    const lines = [
      'diff --git a/a.zone b/a.zone',
      'index 1..2 100644',
      '--- a/a.zone',
      '+++ b/a.zone',
      '@@ -1 +1 @@',
      '-old',
      '+new',
      '\\ No newline at end of file',
    ];
    const [c] = await all(readPatches(lines));
    expect(c!.files.get('a.zone')!.lines).toEqual(['-old', '+new']);
  });
});

describe('readNumstat', () => {
  it('reads counts per path; binary files count 0', async () => {
    const stats = await readNumstat(['3\t1\tarchive/a.zone', '-\t-\tarchive/b.bin', '', 'not a numstat line']);
    expect([...stats]).toEqual([
      ['archive/a.zone', { added: 3, removed: 1 }],
      ['archive/b.bin', { added: 0, removed: 0 }],
    ]);
  });
});
