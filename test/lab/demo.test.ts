import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { runDemo } from '../../src/lab/demo.js';
import { tempDir } from '../support/results.js';

describe('zonelog demo', () => {
  it('runs two rounds of scan and publish on the lab into a git repository and shows the history', async () => {
    const dir = path.join(tempDir('zonelog-demo-test-'), 'repo');
    let out = '';
    const code = await runDemo(
      { zones: 12, seed: 5, dir, env: process.env },
      new Writable({
        write(c, _e, cb) {
          out += c;
          cb();
        },
      }),
    );
    expect(code).toBe(0);
    expect(out).toMatch(/Round 1: committed "archive: (\+ |\d+ added)/);
    expect(out).toMatch(/Round 2: committed "archive: /);
    expect(out).toContain('$ git log --stat');
    expect(out).toContain(`The repository is at ${dir}`);
    const log = execFileSync('git', ['-C', dir, 'log', '--format=%s'], { encoding: 'utf8' }).trim().split('\n');
    expect(log).toHaveLength(2);
    expect(fs.existsSync(path.join(dir, 'archive/root.zone'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'archive/index.json'))).toBe(true);
    // It ends with the web report, and says how to open it.
    expect(out).toContain('$ zonelog site --out site');
    expect(out).toContain(`The web report: open file://${dir}/site/index.html`);
    expect(fs.readFileSync(path.join(dir, 'site/index.html'), 'utf8')).toContain('<h1>Zones that can be transferred now</h1>');
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  }, 180_000);
});
