import { describe, expect, it } from 'vitest';
import { zonelog } from '../support/cli.js';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseSize } from '../../src/cli/cli.js';
import { startLab } from '../../src/lab/lab.js';
import { pickFreePort } from '../support/servers.js';
import { tempDir } from '../support/results.js';

const run = (args: string[]) => zonelog(args);

describe('zonelog command line', () => {
  it.each(['axfr', 'scan', 'publish', 'run', 'log', 'diff', 'when', 'show', 'stats', 'lab', 'demo'])('%s --help exits 0 and describes it', async (cmd) => {
    const r = await run([cmd, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: zonelog ${cmd}`);
  });

  it('usage errors exit 1 with one line on stderr, never a stack trace', async () => {
    for (const args of [
      ['nonsense'],
      ['axfr', 'example.'],
      ['axfr', 'example.', '--server', '300.0.0.1'],
      ['axfr', 'a..b', '--server', '127.0.0.1'],
      ['axfr', 'example.', '--server', '127.0.0.1', '--timeout', '-1'],
      ['axfr', 'example.', '--server', '127.0.0.1', '--max-bytes', 'lots'],
      ['publish'],
      ['publish', '/nonexistent/results'],
      ['stats', '--format', 'xml'],
    ]) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('a failed transfer exits 2 naming the outcome and the server', async () => {
    const port = await pickFreePort('127.0.0.1');
    const r = await run(['axfr', 'example.', '--server', `127.0.0.1:${port}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`zonelog: connection refused by 127.0.0.1:${port}\n`);
  });

  it('zonelog run scans the lab, publishes and commits in one', async () => {
    const lab = await startLab({ zones: 6, seed: 9, port: 0 });
    const repo = tempDir('zonelog-run-');
    try {
      execFileSync('git', ['init', '-q', '-b', 'main', repo]);
      const r = await run([
        'run',
        '--root',
        lab.rootServers.join(','),
        '--port',
        String(lab.port),
        '--archive',
        path.join(repo, 'archive'),
        '--timeout',
        '0.5',
        '--transfer-deadline',
        '1',
        '--author',
        'Lab Bot <lab@example.org>',
      ]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^archive: (\+ \S+ \(new\)|\d+ added)/);
      expect(execFileSync('git', ['-C', repo, 'log', '--format=%an <%ae>'], { encoding: 'utf8' }).trim()).toBe('Lab Bot <lab@example.org>');
      expect(fs.existsSync(path.join(repo, 'archive/root.zone'))).toBe(true);
    } finally {
      await lab.stop();
      fs.rmSync(repo, { recursive: true, force: true });
    }
  }, 120_000);

  it('reads sizes with units', () => {
    expect(parseSize('256MB')).toBe(256e6);
    expect(parseSize('1GiB')).toBe(1024 ** 3);
    expect(parseSize('64KB')).toBe(64e3);
    expect(parseSize('1000')).toBe(1000);
    expect(() => parseSize('12 parsecs')).toThrow();
  });

  it('stops quietly with exit 0 when the reader of its output goes away (| head)', async () => {
    const repo = tempDir('zonelog-epipe-');
    const git = (...a: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.org', ...a]);
    git('init', '-q');
    fs.mkdirSync(path.join(repo, 'archive'));
    const lines = ['x.\t60\tIN\tSOA\tns.x. h.x. 1 1 1 1 1'];
    for (let i = 0; i < 200_000; i++) lines.push(`n${i}.x.\t60\tIN\tNS\tns.x.`);
    fs.writeFileSync(path.join(repo, 'archive', 'x.zone'), lines.join('\n') + '\n');
    git('add', '-A');
    git('commit', '-qm', 'x');
    const child = spawn(process.execPath, [path.resolve('dist/src/cli/bin.js'), 'show', 'x.', '--repo', repo], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    // Read one chunk, then close the pipe, as `head -1` does.
    await new Promise<void>((resolve) =>
      child.stdout.once('data', () => {
        child.stdout.destroy();
        resolve();
      }),
    );
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    fs.rmSync(repo, { recursive: true, force: true });
    expect(err).toBe('');
    expect(code).toBe(0);
  }, 60_000);

  it('zonelog lab serves until SIGINT, then stops cleanly', async () => {
    const port = await pickFreePort('127.0.0.1');
    const child = spawn(process.execPath, [path.resolve('dist/src/cli/bin.js'), 'lab', '--zones', '5', '--port', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`lab did not start: ${out}`)), 30_000);
      child.stdout.on('data', () => {
        if (out.includes('scan it:')) {
          clearTimeout(t);
          resolve();
        }
      });
    });
    expect(out).toMatch(/root servers: 127\.1\.0\.1:\d+/);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toContain('zonelog lab: stopped');
  }, 60_000);
});
