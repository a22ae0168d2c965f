/**
 * The command line at its edges: every bad input is one plain line and exit 1,
 * every failure of the disk or of git one line and exit 2, through main() and
 * through the built binary (dist/src/cli/bin.js, built by `npm run build`).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/cli.js';
import { describeFailure } from '../../src/cli/errors.js';
import { startLab } from '../../src/lab/lab.js';
import { pickFreePort } from '../support/servers.js';
import { tempDir, writeResults, zoneText } from '../support/results.js';

const BIN = path.resolve('dist/src/cli/bin.js');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
function tmp(prefix?: string): string {
  const d = tempDir(prefix);
  dirs.push(d);
  return d;
}

async function cli(args: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: new Writable({
      write(c, _e, cb) {
        stdout += c;
        cb();
      },
    }),
    stderr: new Writable({
      write(c, _e, cb) {
        stderr += c;
        cb();
      },
    }),
    env: opts.env ?? { PATH: process.env.PATH, HOME: process.env.HOME },
    cwd: opts.cwd,
  });
  return { code, stdout, stderr };
}

function bin(args: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: opts.env ?? process.env, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const git = (repo: string, ...args: string[]) =>
  execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args], { encoding: 'utf8' });

/** A repository with archive/root.zone and archive/ba.zone in two commits, and a subfolder. */
function archiveRepo(): string {
  const repo = tmp('zonelog-edges-');
  git(repo, 'init', '-q', '-b', 'main');
  fs.mkdirSync(path.join(repo, 'archive'));
  fs.mkdirSync(path.join(repo, 'docs', 'deep'), { recursive: true });
  fs.writeFileSync(path.join(repo, 'archive/root.zone'), zoneText('.', 1, ['ba.\t172800\tIN\tNS\tns1.ba.']));
  fs.writeFileSync(path.join(repo, 'archive/ba.zone'), zoneText('ba.', 1, ['ba.\t3600\tIN\tNS\tns1.ba.']));
  fs.writeFileSync(path.join(repo, 'archive/index.json'), JSON.stringify({ format: 1, dnssec: false, omitted: [], zones: { '.': {}, 'ba.': {} } }));
  fs.writeFileSync(path.join(repo, 'docs/deep/x'), '');
  git(repo, 'add', '-A');
  execFileSync(
    'git',
    [
      '-C',
      repo,
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@example.org',
      'commit',
      '-qm',
      'archive: + . (new), + ba. (new)',
      '-m',
      '+ . 1 2 records\n+ ba. 1 2 records',
    ],
    {
      env: { ...process.env, GIT_AUTHOR_DATE: '2026-11-30T12:00:00Z', GIT_COMMITTER_DATE: '2026-11-30T12:00:00Z' },
    },
  );
  fs.writeFileSync(path.join(repo, 'archive/ba.zone'), zoneText('ba.', 2, ['ba.\t3600\tIN\tNS\tns1.ba.', 'www.ba.\t60\tIN\tA\t192.0.2.1']));
  git(repo, 'add', '-A');
  execFileSync(
    'git',
    ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '-qm', 'archive: ~ ba.', '-m', '~ ba. 1 → 2 +2 -1\n\nOwners: ba. @ www'],
    {
      env: { ...process.env, GIT_AUTHOR_DATE: '2026-12-01T12:00:00Z', GIT_COMMITTER_DATE: '2026-12-01T12:00:00Z' },
    },
  );
  return repo;
}

/** One line on stderr, no stack trace. */
function oneLine(stderr: string, what: string): void {
  expect(stderr.trim().split('\n'), what).toHaveLength(1);
  expect(stderr, what).toMatch(/^zonelog: /);
  expect(stderr, what).not.toMatch(/\n\s+at |internal error|TimeoutOverflowWarning/);
}

describe('usage errors: one plain line, exit 1', () => {
  const repo = archiveRepo();
  const cases: string[][] = [
    ['axfr', '', '--server', '127.0.0.1'],
    ['log', ''],
    ['when', ''],
    ['show', ''],
    ['diff', ''],
    ['axfr', '.', '--server', '127.0.0.1', '--connect-timeout', '3000000'],
    ['axfr', '.', '--server', '127.0.0.1', '--deadline', '3000000'],
    ['scan', '--out', 'x', '--deadline', '3000000'],
    ['scan', '--out', 'x', '--concurrency', '100000000'],
    ['axfr', '.', '--server', '127.0.0.1', '--timeout', '0'],
    ['diff', 'ba.', '--type', 'BOGUS'],
    ['diff', 'ba.', '--name', 'a..b'],
    ['stats', '--json', '--format', 'csv'],
    ['log', 'ba.', '--json', '--format', 'table'],
    ['log', 'ba.', '--since', 'garbage'],
    ['log', 'ba.', '--until', '2026-02-30'],
    ['show', 'ba.', '--archive', '../..'],
    ['show', 'ba.', '--at', 'no-such-revision'],
    ['log', 'ba.', '--sinec', 'today'],
    ['lgo', 'ba.'],
    ['stats', '--format', 'xml'],
  ];
  it.each(cases.map((c) => [c.join(' '), c]))('%s', async (_name, args) => {
    const r = await cli(args as string[], { cwd: repo });
    expect(r.code).toBe(1);
    oneLine(r.stderr, (args as string[]).join(' '));
  });

  it('the same through the binary', () => {
    const empty = tmp();
    git(empty, 'init', '-q');
    for (const [args, cwd] of [
      [['diff', 'ba.', '--type', 'BOGUS'], repo],
      [['stats', '--json', '--format', 'csv'], repo],
      [['log', 'ba.', '--since', 'garbage'], repo],
      [['show', 'ba.', '--archive', '../..'], repo],
      [['when', ''], repo],
      [['log', '.'], empty],
      [['run', '--archive', 'archive', '--root', '127.0.0.1:1'], empty + '/..'],
    ] as const) {
      const r = bin([...args], { cwd });
      expect(r.code, args.join(' ')).toBe(1);
      oneLine(r.stderr, args.join(' '));
    }
  });

  it('says what is wrong in words a user has', async () => {
    expect((await cli(['log', ''], { cwd: repo })).stderr).toBe('zonelog: ZONE: an empty zone name is not allowed (the root zone is ".")\n');
    expect((await cli(['axfr', '.', '--server', '127.0.0.1', '--connect-timeout', '3000000'])).stderr).toBe(
      'zonelog: --connect-timeout: expected a number of seconds from 0.001 to 2147483\n',
    );
    expect((await cli(['diff', 'ba.', '--type', 'BOGUS'], { cwd: repo })).stderr).toMatch(/^zonelog: --type: unknown record type "BOGUS"/);
    expect((await cli(['log', 'ba.', '--since', 'garbage'], { cwd: repo })).stderr).toMatch(/^zonelog: not a date: "garbage"; expected YYYY-MM-DD/);
    expect((await cli(['lgo', 'ba.'])).stderr).toBe("zonelog: unknown command 'lgo' (did you mean log?)\n");
    expect((await cli(['stats', '--format', 'xml'])).stderr).toBe('zonelog: --format: expected one of table, csv, json\n');
  });

  it('a repository with no commits yet: one line', async () => {
    const empty = tmp();
    git(empty, 'init', '-q');
    for (const args of [['log', '.'], ['diff', '.'], ['when', 'a.'], ['show', '.'], ['stats']]) {
      const r = await cli(args, { cwd: empty });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toBe(`zonelog: the repository ${empty} has no commits yet: its history starts with the first zonelog run (or publish --commit)\n`);
    }
    const outside = tmp();
    const r = await cli(['log', '.'], { cwd: outside });
    expect(r.code).toBe(1);
    oneLine(r.stderr, 'outside');
  });
});

describe('history commands', () => {
  const repo = archiveRepo();

  it('find the archive from any folder of the repository, and take --archive as an absolute or relative path', async () => {
    const want = (await cli(['show', 'ba.'], { cwd: repo })).stdout;
    expect(want).toContain('www.ba.');
    expect((await cli(['show', 'ba.'], { cwd: path.join(repo, 'docs', 'deep') })).stdout).toBe(want);
    expect((await cli(['show', 'ba.', '--archive', path.join(repo, 'archive')], { cwd: tmp() })).stdout).toBe(want);
    expect((await cli(['show', 'ba.', '--archive', '../../archive'], { cwd: path.join(repo, 'docs', 'deep') })).stdout).toBe(want);
    expect((await cli(['show', 'ba.', '--repo', repo], { cwd: tmp() })).stdout).toBe(want);
    // and through the binary, from a subfolder
    const b = bin(['show', 'ba.'], { cwd: path.join(repo, 'docs') });
    expect(b.code).toBe(0);
    expect(b.stdout).toBe(want);
  });

  it('log and when print a header row, ASCII, and csv or json on asking', async () => {
    const log = await cli(['log', 'ba.'], { cwd: repo });
    expect(log.code).toBe(0);
    const rows = log.stdout.trimEnd().split('\n');
    expect(rows[0]).toBe('date\tcommit\tserial\tadded\tremoved');
    expect(rows[1]).toMatch(/^2026-12-01T12:00:00(Z|\+00:00)\t[0-9a-f]{12}\t2\t\+2\t-1$/);
    expect(log.stdout).not.toContain('\u2212');
    expect((await cli(['log', 'ba.', '--no-header'], { cwd: repo })).stdout.split('\n')[0]).toBe(rows[1]);
    expect((await cli(['log', 'ba.', '--format', 'csv'], { cwd: repo })).stdout.split('\n')[0]).toBe('date,commit,serial,added,removed');
    const json = JSON.parse((await cli(['log', 'ba.', '--format', 'json'], { cwd: repo })).stdout);
    expect(json[0]).toMatchObject({ serial: 2, added: 2, removed: 1 });
    const when = await cli(['when', 'www.ba.'], { cwd: repo });
    expect(when.stdout).toBe(
      'first\tlast\tzone\trecord\n2026-12-01T12:00:00Z\tnow\tba.\twww.ba.\t60\tIN\tA\t192.0.2.1\n'.replace(
        '2026-12-01T12:00:00Z',
        when.stdout.split('\n')[1]!.split('\t')[0]!,
      ),
    );
    expect((await cli(['when', 'www.ba.', '--format', 'csv', '--no-header'], { cwd: repo })).stdout).toMatch(
      /^[^,]+,now,ba\.,"www\.ba\.\t60\tIN\tA\t192\.0\.2\.1"\n$/,
    );
    expect(JSON.parse((await cli(['when', 'www.ba.', '--json'], { cwd: repo })).stdout)).toHaveLength(1);
    expect((await cli(['stats', 'ba.', '--format', 'table'], { cwd: repo })).stdout.split('\n')[0]).toBe(
      'date\tcommit\tzone\tserial\trecords\tdelegations\tA\tNS\tSOA',
    );
  });

  it('read one date format everywhere: a bare day is UTC, its start for --since and its end elsewhere', async () => {
    const since = await cli(['log', 'ba.', '--since', '2026-12-01', '--no-header'], { cwd: repo });
    expect(since.stdout.trim().split('\n')).toHaveLength(1);
    expect((await cli(['log', 'ba.', '--until', '2026-11-30', '--no-header'], { cwd: repo })).stdout.trim().split('\n')).toHaveLength(1);
    expect((await cli(['log', 'ba.', '--since', '2026-12-02', '--no-header'], { cwd: repo })).stdout).toBe('');
    // --at a bare day: the archive as it was when the day ended
    expect((await cli(['show', 'ba.', '--at', '2026-11-30'], { cwd: repo })).stdout).not.toContain('www.ba.');
    expect((await cli(['show', 'ba.', '--at', '2026-12-01'], { cwd: repo })).stdout).toContain('www.ba.');
    expect((await cli(['show', 'ba.', '--at', '2026-12-01T11:00+00:00'], { cwd: repo })).stdout).not.toContain('www.ba.');
    const diff = await cli(['diff', 'ba.', '--from', '2026-11-30', '--to', '2026-12-01'], { cwd: repo });
    expect(diff.stdout).toContain('+www.ba.\t60\tIN\tA\t192.0.2.1');
    // relative dates work for every command alike
    for (const args of [
      ['log', 'ba.', '--since', '100000 days ago'],
      ['log', 'ba.', '--until', 'yesterday'],
      ['diff', 'ba.', '--to', 'now'],
      ['diff', 'ba.', '--to', 'today'],
      ['show', 'ba.', '--at', 'now'],
    ]) {
      const r = await cli(args, { cwd: repo });
      expect(r.code, args.join(' ') + r.stderr).toBe(0);
    }
    expect((await cli(['diff', 'ba.', '--name', 'www.ba', '--type', 'a'], { cwd: repo })).stdout).toBe('+www.ba.\t60\tIN\tA\t192.0.2.1\n');
  });
});

describe('failures of git and of the disk: one line, exit 2', () => {
  it('a git lock left behind', async () => {
    const repo = tmp();
    git(repo, 'init', '-q', '-b', 'main');
    const results = await writeResults(tmp(), [{ zone: 'ba.', address: '192.0.2.1', outcome: 'transferred', text: zoneText('ba.', 1, []) }]);
    // No process holds it: a lock left by a killed git, removed with one line, and the run goes on.
    fs.writeFileSync(path.join(repo, '.git', 'index.lock'), '');
    const r = await cli(['publish', results, '--archive', path.join(repo, 'archive'), '--commit']);
    expect(r.code).toBe(0);
    oneLine(r.stderr, 'lock');
    expect(r.stderr).toContain(`removed ${path.join(repo, '.git', 'index.lock')}, left by a killed git command`);
  });

  it('a file where a folder should be, through the binary', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'file'), '');
    const results = path.join(dir, 'file', 'results');
    const r = bin(['scan', '--out', results, '--root', '127.0.0.1:1', '--quiet']);
    expect(r.code).not.toBe(0);
    oneLine(r.stderr, 'ENOTDIR');
  });

  it('ENOSPC and EROFS are named plainly', () => {
    const err = (code: string) => Object.assign(new Error(`${code}: x`), { code, path: '/data/archive/ba.zone' });
    expect(describeFailure(err('ENOSPC'))).toBe('no space left on the device at /data/archive/ba.zone: free some and run again');
    expect(describeFailure(err('EROFS'))).toBe('the file system at /data/archive/ba.zone is read-only: run where zonelog may write');
    expect(describeFailure(new Error('fatal: unable to write new index file: No space left on device'))).toMatch(/^no space left/);
    expect(describeFailure(new Error('fatal: bad object HEAD'))).toBe('git failed: bad object HEAD');
    expect(describeFailure(new TypeError('x is undefined'))).toBeUndefined();
  });
});

describe('configuration from outside', () => {
  it('zonelog.config.json: an unknown key or a wrong type is an error naming the key', async () => {
    const dir = tmp();
    const write = (data: unknown) => fs.writeFileSync(path.join(dir, 'zonelog.config.json'), JSON.stringify(data));
    const scan = () => cli(['scan', '--out', path.join(dir, 'out'), '--root', '127.0.0.1:1', '--quiet'], { cwd: dir });
    for (const [data, key] of [
      [{ exclude: { zone: ['example.'] } }, '"exclude.zone"'],
      [{ exclude: { zones: 'example.' } }, '"exclude.zones"'],
      [{ exclude: { addresses: [1] } }, '"exclude.addresses"'],
      [{ exlude: {} }, '"exlude"'],
      [[], 'JSON object'],
    ] as const) {
      write(data);
      const r = await scan();
      expect(r.code, JSON.stringify(data)).toBe(1);
      oneLine(r.stderr, JSON.stringify(data));
      expect(r.stderr).toContain(key);
    }
  });

  it('ZONELOG_AUTHOR: a malformed value is said, not ignored', async () => {
    const repo = tmp();
    git(repo, 'init', '-q', '-b', 'main');
    const results = await writeResults(tmp(), [{ zone: 'ba.', address: '192.0.2.1', outcome: 'transferred', text: zoneText('ba.', 1, []) }]);
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, ZONELOG_AUTHOR: 'garbage' };
    const r = await cli(['publish', results, '--archive', path.join(repo, 'archive'), '--commit'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('zonelog: ZONELOG_AUTHOR: expected "Name <email>", e.g. "zonelog <zonelog@example.org>", not "garbage"\n');
    expect(fs.existsSync(path.join(repo, 'archive'))).toBe(false);
    const ok = await cli(['publish', results, '--archive', path.join(repo, 'archive'), '--commit'], {
      env: { ...env, ZONELOG_AUTHOR: 'Ops <ops@example.org>' },
    });
    expect(ok.code).toBe(0);
    expect(git(repo, 'log', '--format=%an <%ae>').trim()).toBe('Ops <ops@example.org>');
  });
});

describe('zonelog run', () => {
  it('checks the repository before scanning, and suggests only what run has', async () => {
    const dir = tmp();
    const r = await cli(['run', '--archive', path.join(dir, 'archive'), '--root', '127.0.0.1:1'], { cwd: dir });
    expect(r.code).toBe(1);
    oneLine(r.stderr, 'run');
    expect(r.stderr).toContain('is not inside a git repository');
    expect(r.stderr).not.toContain('--commit');
    expect(r.stderr).not.toMatch(/targets|transferring/);
  });

  it('a missing remote is said at once, before the scan', async () => {
    const repo = tmp();
    git(repo, 'init', '-q', '-b', 'main');
    const missing = await cli(['run', '--push', '--archive', path.join(repo, 'archive'), '--root', '127.0.0.1:1']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`zonelog: the repository ${repo} has no remote named origin: add it (git remote add origin URL) or pass --remote NAME\n`);
    git(repo, 'remote', 'add', 'origin', path.join(repo, 'no-such-remote'));
    const results = await writeResults(tmp(), [{ zone: 'ba.', address: '192.0.2.1', outcome: 'transferred', text: zoneText('ba.', 1, []) }]);
    // run says it before the scan; publish commits, says it at once (no retries) and keeps the commit.
    const gone = await cli(['run', '--push', '--archive', path.join(repo, 'archive'), '--root', '127.0.0.1:1']);
    expect(gone.code).toBe(1);
    oneLine(gone.stderr, 'unreachable remote');
    expect(gone.stderr).toContain('the remote origin');
    expect(fs.existsSync(path.join(repo, 'archive'))).toBe(false);
    const published = await cli(['publish', results, '--push', '--archive', path.join(repo, 'archive')]);
    expect(published.code).toBe(2);
    oneLine(published.stderr, 'unreachable remote');
    expect(published.stderr).toMatch(/^zonelog: push failed: /);
  });

  it('--json prints one JSON document: the scan and the publish', async () => {
    const lab = await startLab({ zones: 4, seed: 5, port: 0 });
    const repo = tmp();
    try {
      git(repo, 'init', '-q', '-b', 'main');
      const r = await cli([
        'run',
        '--json',
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
      ]);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(doc.scan.zonesTransferred).toBeGreaterThan(0);
      expect(doc.publish.commit).toMatch(/^[0-9a-f]{40}$/);
      expect(doc.publish.subject).toMatch(/^archive: /);
    } finally {
      await lab.stop();
    }
  }, 120_000);
});

describe('help and version', () => {
  it('shows seconds in seconds, cites nothing a user does not have, and prints the version', async () => {
    // (the help wraps at 80 columns: read it as one line)
    const axfr = (await cli(['axfr', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(axfr).toContain('--timeout <seconds> idle timeout: give up after this long without a byte (default: 10)');
    expect(axfr).toContain('--connect-timeout <seconds> give up when the TCP connection takes longer (default: 5)');
    expect(axfr).toContain('--deadline <seconds> total time allowed for the transfer (default: 1800)');
    for (const c of ['axfr', 'scan', 'publish', 'run', 'log', 'diff', 'when', 'show', 'stats', 'lab', 'demo']) {
      const h = (await cli([c, '--help'])).stdout.replace(/\s+/g, ' ');
      expect(h).not.toMatch(/DESIGN|§/);
      // every <seconds> option's default, if it has one, is at most a day's worth of seconds (no milliseconds)
      for (const m of h.matchAll(/<seconds> (.*?)(?= --|$)/g)) expect(Number(/\(default: (\d+)\)/.exec(m[1]!)?.[1] ?? 0), m[0]).toBeLessThanOrEqual(86400);
    }
    const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string };
    expect((await cli(['--version'])).stdout).toBe(`${pkg.version}\n`);
    const b = bin(['--version'], { cwd: tmp() });
    expect(b.code).toBe(0);
    expect(b.stdout).toBe(`${pkg.version}\n`);
  });

  it('the binary: out-of-range seconds are a usage error, never a TimeoutOverflowWarning', () => {
    for (const args of [
      ['axfr', '.', '--server', '127.0.0.1:9', '--deadline', '3000000'],
      ['axfr', '.', '--server', '127.0.0.1:9', '--connect-timeout', '3000000'],
      ['log', '', '--repo', '.'],
    ]) {
      const r = bin(args);
      expect(r.code, args.join(' ')).toBe(1);
      oneLine(r.stderr, args.join(' '));
    }
  });
});

describe('zonelog lab --rounds --every', () => {
  it('advances the world between scans, then keeps serving until SIGINT', async () => {
    const port = await pickFreePort('127.0.0.1');
    const child = spawn(process.execPath, [BIN, 'lab', '--zones', '4', '--port', String(port), '--rounds', '2', '--every', '0.3'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    try {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no second round: ${out}`)), 30_000);
        child.stdout.on('data', () => {
          if (out.includes('round 2/2')) {
            clearTimeout(t);
            resolve();
          }
        });
      });
    } finally {
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    }
    const serials = [...out.matchAll(/root serial (\d+)/g)].map((m) => Number(m[1]));
    const first = Number(/root \(serial (\d+)\)/.exec(out)![1]);
    expect(serials).toHaveLength(2);
    expect(new Set([first, ...serials]).size).toBe(3);
    expect(out).toContain('zonelog lab: stopped');
  }, 60_000);
});
