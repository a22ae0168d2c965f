/**
 * The demo's web report in a real browser: Debian's Chromium, headless, driven by
 * playwright-core, the site served over HTTP from 127.0.0.1 as a static host would.
 * Skipped (naming the Debian package) when Chromium is missing, a failure under
 * ZONELOG_REQUIRE_SERVERS=1.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { runDemo } from '../../src/lab/demo.js';
import { findExecutable } from '../support/servers.js';

/** Debian's Chromium; GitHub's Ubuntu runners have Google Chrome instead. */
const CHROMIUM = findExecutable('chromium') ?? findExecutable('google-chrome');
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function describeWithChromium(title: string, fn: () => void): void {
  const reason = 'chromium not found: install the Debian package chromium';
  if (CHROMIUM) describe(title, fn);
  else if (process.env.ZONELOG_REQUIRE_SERVERS === '1') {
    describe(title, () => {
      it('needs chromium', () => {
        throw new Error(`${reason} (ZONELOG_REQUIRE_SERVERS=1, so this is a failure, not a skip)`);
      });
    });
  } else describe.skip(`${title} [skipped: ${reason}]`, fn);
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css',
  '.js': 'text/javascript',
  '.atom': 'application/atom+xml',
  '.txt': 'text/plain',
};

/** A static file server for one folder on 127.0.0.1, like GitHub Pages: 404 for anything else. */
function serve(root: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = path.join(root, rel.endsWith('/') ? rel + 'index.html' : rel);
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    res.end(fs.readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describeWithChromium("the demo's web report in Chromium", () => {
  let tmp: string;
  let shots: string;
  let server: http.Server;
  let base: string;
  let context: BrowserContext;
  let demoOut = '';

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zonelog-site-browser-'));
    shots = path.join(tmp, 'screenshots');
    fs.mkdirSync(shots);
    const repo = path.join(tmp, 'repo');
    const code = await runDemo(
      { zones: 12, seed: 5, dir: repo, env: process.env },
      new Writable({
        write(c, _e, cb) {
          demoOut += c;
          cb();
        },
      }),
    );
    expect(code).toBe(0);
    server = await serve(path.join(repo, 'site'));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }, 240_000);

  afterAll(async () => {
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    // The screenshots stay (to look at); the repository and the browser profiles go.
    if (tmp) for (const d of fs.readdirSync(tmp)) if (d !== 'screenshots') fs.rmSync(path.join(tmp, d), { recursive: true, force: true });
    if (shots) console.log(`screenshots of the web report: ${shots}`);
  });

  /** Each test starts its own browser, with a fresh profile, and closes it whatever happens. */
  let profiles = 0;
  beforeEach(async () => {
    const profile = path.join(tmp, `profile-${++profiles}`);
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM!, headless: true, args: FLAGS });
  });
  afterEach(async () => {
    await context?.close();
  });

  /** Opens a page, noting console errors, uncaught exceptions and failed requests. */
  async function open(url: string, viewport = { width: 1200, height: 900 }): Promise<{ page: Page; problems: string[] }> {
    const page = await context.newPage();
    await page.setViewportSize(viewport);
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`exception: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`failed: ${r.url()} ${r.failure()?.errorText}`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    const res = await page.goto(url, { waitUntil: 'load' });
    expect(res?.status()).toBe(200);
    return { page, problems };
  }

  /** Every chart's canvas has been drawn: some pixel is not transparent. */
  async function chartsDrawn(page: Page): Promise<boolean[]> {
    await page.waitForSelector('[data-chart][data-drawn="true"]');
    return page.$$eval('[data-chart]', (els) =>
      els.map((el) => {
        const canvas = el.querySelector('canvas');
        if (!canvas || canvas.width === 0 || canvas.height === 0) return false;
        const px = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) return true;
        return false;
      }),
    );
  }

  it('the home page loads without errors, draws its chart, and every link on it resolves', async () => {
    expect(demoOut).toMatch(/The web report: open file:\/\/.*\/site\/index\.html/);
    const { page, problems } = await open(base);
    try {
      expect(await page.locator('h1').allTextContents()).toEqual(['Zones that can be transferred now']);
      expect(await page.getAttribute('html', 'lang')).toBe('en');
      expect(await chartsDrawn(page)).toEqual([true]);
      // Charts say what they show to a screen reader; the table under them is there without JavaScript.
      for (const label of await page.$$eval('[role="img"]', (els) => els.map((e) => e.getAttribute('aria-label') ?? '')))
        expect(label.length).toBeGreaterThan(20);
      expect(await page.locator('figure.chart details table').count()).toBe(1);
      // Totals: in all and one series per source the demo's index.json names, drawn and in the table alike.
      const columns = await page.locator('#totals + figure.chart thead th').allTextContents();
      expect(columns.slice(0, 2)).toEqual(['date', 'zones transferable']);
      expect(columns).toContain('root and TLDs');
      const legend = await page.locator('#totals + figure.chart .u-legend .u-series .u-label').allTextContents();
      expect(legend).toEqual(columns);
      await page.screenshot({ path: path.join(shots, 'home.png'), fullPage: true });

      const links = await page.$$eval('a[href]', (as) => as.map((a) => (a as HTMLAnchorElement).href));
      const local = [...new Set(links.filter((l) => l.startsWith(base)).map((l) => l.split('#')[0]!))];
      expect(local.filter((l) => l.includes('/zones/')).length).toBeGreaterThan(5);
      for (const l of local) expect((await page.request.get(l)).status(), l).toBe(200);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('a zone page, reached by its link, loads without errors and draws both charts', async () => {
    const { page, problems } = await open(base);
    try {
      const link = page.locator('h2#now + div.scroll a.zone').nth(1);
      const zone = (await link.textContent())!;
      await Promise.all([page.waitForURL(/\/zones\/.+\.html$/), link.click()]);
      expect(await page.locator('h1').textContent()).toContain(zone);
      expect(await chartsDrawn(page)).toEqual([true, true]);
      expect(await page.locator('#timeline + .scroll tbody tr').count()).toBeGreaterThan(0);
      expect(await page.locator('h2#disagreements').count()).toBe(1);
      await page.screenshot({ path: path.join(shots, 'zone.png'), fullPage: true });
      const links = await page.$$eval('a[href]', (as) => as.map((a) => (a as HTMLAnchorElement).href));
      for (const l of new Set(links.filter((x) => x.startsWith(base)).map((x) => x.split('#')[0]!))) expect((await page.request.get(l)).status(), l).toBe(200);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("fits a phone's screen: nothing wider than the viewport but the tables, which scroll", async () => {
    for (const [name, url] of [
      ['home-phone', base],
      ['zone-phone', `${base}zones/root.html`],
    ] as const) {
      const { page, problems } = await open(url, { width: 390, height: 844 });
      try {
        await chartsDrawn(page);
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
        await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: false });
        expect(problems).toEqual([]);
      } finally {
        await page.close();
      }
    }
  });
});
