import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseFeed } from '@rowanmanning/feed-parser';
import { buildSite, type SiteOptions } from '../../src/site/site.js';
import { eventId } from '../../src/site/events.js';
import { forgeFromRemote, findForge } from '../../src/site/forge.js';
import { git } from '../../src/git/git.js';
import { commit, handHistory, newRepo, steps, type HandRepo } from './hand-history.js';

const BASE = 'https://example.org/zonelog/';
let r: HandRepo;
let tmp: string;
const opts = (out: string, env: Record<string, string | undefined> = process.env): SiteOptions => ({
  repoDir: r.dir,
  archive: 'archive',
  outDir: out,
  env,
  minChange: 100,
  recentDays: 7,
  baseUrl: BASE,
});
const read = (f: string) => fs.readFileSync(f, 'utf8');
const c = (name: string) => r.commits.get(name)!;

/** Every file of a folder, relative path → bytes. */
function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(dir, p), fs.readFileSync(p, 'latin1'));
    }
  };
  walk(dir);
  return out;
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zonelog-site-out-'));
  r = newRepo();
  for (const s of steps.slice(0, 6)) s(r);
});
afterAll(() => {
  fs.rmSync(r.dir, { recursive: true, force: true });
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the site and its feeds', () => {
  it('feeds parse back, with one entry per event and the same ids in two builds', async () => {
    const a = path.join(tmp, 'a');
    const first = await buildSite(opts(a));
    expect(first.incremental).toBe(false);
    expect(first.zonePagesWritten).toBe(2);
    const feedA = read(path.join(a, 'feed.atom'));
    const second = await buildSite(opts(a));
    expect(second.incremental).toBe(true);
    expect(second.zonePagesWritten).toBe(0);
    expect(read(path.join(a, 'feed.atom'))).toBe(feedA);

    const feed = parseFeed(feedA);
    expect(feed.meta.type).toBe('atom');
    expect(feed.self).toBe(`${BASE}feed.atom`);
    // started ba., started kp., stopped kp., started kp. again; no change is over 100 records
    expect(feed.items.map((i) => i.id)).toEqual([
      eventId('started', 'kp.', c('c5')),
      eventId('stopped', 'kp.', c('c3')),
      eventId('started', 'ba.', c('c1')),
      eventId('started', 'kp.', c('c1')),
    ]);
    expect(feed.items[1]!.title).toBe('kp. can no longer be transferred (refused by 2 of 2 addresses)');
    expect(feed.items[0]!.url).toBe(`${BASE}zones/kp.html`);
    expect(feed.updated?.toISOString()).toBe('2026-01-05T10:00:00.000Z');

    // A zone's feed has every change of the zone.
    const ba = parseFeed(read(path.join(a, 'zones', 'ba.atom')));
    expect(ba.items.map((i) => i.id)).toEqual(['c6', 'c4', 'c2'].map((n) => eventId('changed', 'ba.', c(n))).concat(eventId('started', 'ba.', c('c1'))));
    expect(ba.items[1]!.description).toContain('not written by zonelog');
  });

  it('a new commit writes only the pages of the zones it touched, and gives the site a build from scratch gives', async () => {
    const a = path.join(tmp, 'a');
    const kpPage = path.join(a, 'zones', 'kp.html');
    const before = fs.statSync(kpPage).mtimeMs;
    steps[6]!(r); // kp. removed by hand
    const inc = await buildSite(opts(a));
    expect(inc.incremental).toBe(true);
    expect(inc.zonePagesWritten).toBe(1);
    expect(fs.statSync(path.join(a, 'zones', 'ba.html')).mtimeMs).toBeLessThanOrEqual(before);
    expect(read(kpPage)).toContain('Not transferable now.');
    const gone = parseFeed(read(path.join(a, 'feed.atom'))).items[0]!;
    expect(gone.id).toBe(eventId('stopped', 'kp.', c('c7')));

    // From scratch: no cache, another folder.
    fs.rmSync(path.join(r.dir, '.git', 'zonelog'), { recursive: true });
    const b = path.join(tmp, 'b');
    const full = await buildSite({ ...opts(b), baseUrl: BASE });
    expect(full.incremental).toBe(false);
    expect(files(b)).toEqual(files(a));
  });

  it('pages: what is transferable now, the zone timeline, the disagreement, escaped names', () => {
    const a = path.join(tmp, 'a');
    const home = read(path.join(a, 'index.html'));
    expect(home).toContain('1 zone allows zone transfer');
    expect(home).toMatch(/<h2 id="closed">Recently closed<\/h2>\n<div class="scroll"><table>[\s\S]*href="zones\/kp.html"/);
    expect(home).not.toMatch(/<script>/);
    const ba = read(path.join(a, 'zones', 'ba.html'));
    expect(ba).toContain('<strong>The servers disagree:</strong> they served 2 different versions');
    expect(ba).toContain('not by zonelog');
    expect((ba.match(/<time datetime=/g) ?? []).length).toBeGreaterThan(4);
    // the timeline lists every commit that touched the zone
    for (const n of ['c1', 'c2', 'c4', 'c6']) expect(ba).toContain(c(n).slice(0, 10));
    // The disagreements over time: after c6 for ba. (and now), after c2 for kp. (closed since).
    const disagreed = (page: string) => page.slice(page.indexOf('<h2 id="disagreements">'), page.indexOf('<h2 id="spans">'));
    expect(disagreed(ba)).toContain('after 1 of the 4 commits of this zone whose index.json was read');
    expect(disagreed(ba)).toMatch(
      new RegExp(
        `2026-01-06T10:00:00.000Z.*serial 3 \\(<code>a{16}</code>\\) from <code>192.0.2.53</code><br>serial 2 \\(<code>e{16}</code>\\) from <code>192.0.2.54</code>.*${c('c6').slice(0, 10)}`,
      ),
    );
    const kp = read(path.join(a, 'zones', 'kp.html'));
    expect(disagreed(kp)).toMatch(new RegExp(`serial 10 .*198.51.100.1</code><br>serial 9 .*198.51.100.2</code>.*${c('c2').slice(0, 10)}`));
    expect(disagreed(kp)).not.toContain(c('c5').slice(0, 10));
    // Totals over time: in all and per source; ba.'s index entries name none.
    const totals = JSON.parse(/<script type="application\/json" id="totals-data">(.*?)<\/script>/.exec(home)![1]!) as {
      series: { label: string; values: number[] }[];
    };
    expect(totals.series.map((x) => x.label)).toEqual(['zones transferable', 'root and TLDs', 'source not recorded']);
  });

  it('links to the forge from GITHUB_REPOSITORY or the origin remote, and only when it reads as one', async () => {
    expect(forgeFromRemote('git@github.com:owner/zones.git')?.url).toBe('https://github.com/owner/zones');
    expect(forgeFromRemote('https://github.com/owner/zones')?.url).toBe('https://github.com/owner/zones');
    expect(forgeFromRemote('https://example.org/owner/zones.git')).toBeUndefined();
    const g = git(r.dir, process.env);
    expect((await findForge(g, { GITHUB_REPOSITORY: 'a/b' }))?.url).toBe('https://github.com/a/b');
    expect(await findForge(g, { GITHUB_REPOSITORY: 'a/b"><script>' })).toBeUndefined();
    expect(await findForge(g, { GITHUB_REPOSITORY: 'a/b', GITHUB_SERVER_URL: 'javascript:alert(1)' })).toBeUndefined();

    const out = path.join(tmp, 'forge');
    await buildSite({ ...opts(out, { ...process.env, GITHUB_REPOSITORY: 'owner/zones' }), baseUrl: undefined });
    const ba = read(path.join(out, 'zones', 'ba.html'));
    expect(ba).toContain(`href="https://github.com/owner/zones/commit/${c('c6')}"`);
    expect(ba).toContain(`href="https://github.com/owner/zones/commits/${c('c6')}/archive/ba/"`);
    expect(ba).toContain(`href="https://github.com/owner/zones/blame/${c('c2')}/archive/ba.zone"`);
    expect(parseFeed(read(path.join(out, 'feed.atom'))).self).toBe('https://owner.github.io/zones/feed.atom');
  });
});

describe('index.json is read as untrusted input', () => {
  it('names, sources and dates that zonelog does not write are left out; a bad index is no index', async () => {
    const other = handHistory(1);
    try {
      const file = path.join(other.dir, 'archive', 'index.json');
      const idx = JSON.parse(read(file));
      idx.zones['ba.'].servers[0].names = ['<img src=x onerror=alert(1)>.', 'ns1.ba.', 42];
      idx.zones['ba.'].source = '"><script>alert(1)</script>';
      idx.zones['ba.'].since = 'not a date';
      idx.zones['kp.'].since = '2025-12-24T00:00:00Z';
      idx.zones['Not..A..Name'] = { serial: 'x' };
      fs.writeFileSync(file, JSON.stringify(idx));
      commit(other, 'hostile', '2026-01-02T00:00:00Z', 'index edited by hand', 'Hand Editor');
      const out = path.join(tmp, 'hostile');
      await buildSite({ ...opts(out), repoDir: other.dir });
      const home = read(path.join(out, 'index.html'));
      // The archive's own parser reads it: a server name that is not a domain name and a
      // source zonelog does not know are left out, not shown escaped.
      expect(home).not.toContain('img src=x');
      expect(home).not.toContain('alert(1)');
      expect(home).toContain('ns1.ba.');
      expect(home).not.toContain('Not..A..Name');
      // The index's "since" is shown when it is a date; else the history's.
      expect(home).toMatch(/kp\.<\/a><\/th><td>root and TLDs<\/td><td><time datetime="2025-12-24T00:00:00.000Z">/);
      expect(home).toMatch(/ba\.<\/a><\/th><td>source not recorded<\/td><td><time datetime="2026-01-01T10:00:00.000Z">/);

      fs.writeFileSync(file, '{ not json');
      commit(other, 'broken', '2026-01-03T00:00:00Z', 'index broken by hand', 'Hand Editor');
      const r2 = await buildSite({ ...opts(out), repoDir: other.dir });
      expect(r2.transferable).toBe(0);
      expect(read(path.join(out, 'index.html'))).toContain('0 zones allow zone transfer');
    } finally {
      fs.rmSync(other.dir, { recursive: true, force: true });
    }
  });
});

describe('zonelog site, the built command', () => {
  const bin = path.resolve('dist/src/cli/bin.js');
  const run = (args: string[], cwd: string) =>
    spawnSync(process.execPath, [bin, 'site', ...args], { cwd, encoding: 'utf8', env: { ...process.env, GITHUB_REPOSITORY: '' } });

  it('builds and says where to open it; refuses what is not an archive with one line', () => {
    if (!fs.existsSync(bin)) throw new Error('build first: npx tsc -p tsconfig.json');
    const ok = run(['--out', path.join(tmp, 'cli')], r.dir);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^site: 2 zones \(1 transferable now\), 2 zone pages written, \d+ events in the feed\nopen .*index\.html\n$/);

    const empty = handHistory(0);
    try {
      const none = run(['--out', path.join(tmp, 'none')], empty.dir);
      expect(none.status).toBe(1);
      expect(none.stderr.trim().split('\n')).toHaveLength(1);
      expect(none.stderr).toMatch(/^zonelog: /);
    } finally {
      fs.rmSync(empty.dir, { recursive: true, force: true });
    }
    const outside = run(['--archive', os.tmpdir()], os.tmpdir());
    expect(outside.status).toBe(1);
    expect(outside.stderr).toMatch(/^zonelog: .* is not inside a git repository\n$/);
    const inside = run(['--out', 'archive/site'], r.dir);
    expect(inside.status).toBe(1);
    expect(inside.stderr).toMatch(/^zonelog: --out \S*archive\/site is inside the archive .*\n$/);
    expect(fs.existsSync(path.join(r.dir, 'archive', 'site'))).toBe(false);
    // A folder that cannot be made (a file is in the way): failed work, one line.
    fs.writeFileSync(path.join(tmp, 'a-file'), '');
    const blocked = run(['--out', path.join(tmp, 'a-file', 'site')], r.dir);
    expect(blocked.status).toBe(2);
    expect(blocked.stderr).toMatch(/^zonelog: could not write the site: .*\n$/);
    const bad = run(['--min-change', 'many'], r.dir);
    expect(bad.status).toBe(1);
  });
});
