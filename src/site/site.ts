/**
 * `zonelog site`: the static web report and Atom feeds, built from the archive's
 * history into a folder that any static host (GitHub Pages) or a browser opening
 * the files directly can show, with no server and no network.
 *
 * Incremental: the timelines and, per zone, the commit its page was last built
 * at are kept in a cache inside the repository's git folder. The next build reads
 * only the commits since, and writes again only the pages of the zones they touched
 * (plus the home page and the archive's feed, which cover every zone).
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { openHistory } from '../history/history.js';
import { TEMP_SUFFIX } from '../fs/atomic.js';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeAssets } from './assets.js';
import { readIndexAt } from './current.js';
import { archiveEvents, eventId, zoneEvents } from './events.js';
import { atomFeed } from './feeds.js';
import { findForge, pagesUrl } from './forge.js';
import { zonePage } from './html.js';
import { homePage, zonePageHtml, type SiteContext } from './pages.js';
import { historyFromJson, historyToJson, readHistory, type SiteHistory } from './timeline.js';

/** Changes when the cache's shape changes. */
const SITE_VERSION = 2;

/** The site's own code: a zonelog that writes other pages builds every page again. */
function codeDigest(): string {
  const dir = path.dirname(fileURLToPath(import.meta.url));
  const h = createHash('sha256');
  for (const f of fs
    .readdirSync(dir)
    .filter((n) => /\.[jt]s$/.test(n))
    .sort())
    h.update(f).update(fs.readFileSync(path.join(dir, f)));
  return h.digest('hex');
}

export interface SiteOptions {
  repoDir: string;
  /** The archive folder, relative to the repository. */
  archive: string;
  outDir: string;
  env: Record<string, string | undefined>;
  /** The archive's feed tells of changes of more than this many records (added plus removed). */
  minChange: number;
  /** "Newly" and "recently" on the home page: days before the last scan. */
  recentDays: number;
  /** The site's address for absolute links in feeds; default GitHub Pages' when the repository is on GitHub. */
  baseUrl?: string;
}

export interface SiteResult {
  outDir: string;
  head: string;
  zones: number;
  transferable: number;
  /** Zone pages (and feeds) written by this build; the others were kept. */
  zonePagesWritten: number;
  events: number;
  /** Whether the history was read from the cache onwards (false: read whole). */
  incremental: boolean;
  /** Why the cache could not be written, if it could not. */
  cacheError?: string;
}

interface Cache {
  version: number;
  /** What the pages depend on besides the history: where links point, the output folder. */
  signature: string;
  history: unknown;
  /** Zone → the commit of its last entry when its page was written. */
  pages: Record<string, string>;
}

/** A bad option or repository: a usage error. */
export class SiteError extends Error {}

export async function buildSite(o: SiteOptions): Promise<SiteResult> {
  const h = openHistory(o.repoDir, o.archive, o.env);
  const gitDir = (await h.g.raw(['rev-parse', '--absolute-git-dir'])).trim();
  const cacheFile = path.join(gitDir, 'zonelog', 'site-cache.json');
  const forge = await findForge(h.g, o.env);
  if (o.baseUrl !== undefined && !/^https?:\/\/[^\s"<>]+\/$/.test(o.baseUrl))
    throw new SiteError(`--base-url must be an http(s) address ending in "/": ${o.baseUrl}`);
  const outDir = path.resolve(o.outDir);
  const archiveDir = path.resolve(o.repoDir, o.archive);
  if (outDir === archiveDir || outDir.startsWith(archiveDir + path.sep))
    throw new SiteError(`--out ${o.outDir} is inside the archive ${archiveDir}: write the site elsewhere`);
  // Feeds need absolute links: the site's address when known, else the folder it is built in.
  const baseUrl = o.baseUrl ?? (forge ? pagesUrl(forge) : undefined) ?? pathToFileURL(outDir + '/').href;
  const signature = createHash('sha256')
    .update(JSON.stringify([SITE_VERSION, codeDigest(), outDir, forge?.url ?? '', baseUrl ?? '', o.minChange, o.archive]))
    .digest('hex');

  const cache = readCache(cacheFile);
  const prior = cache ? historyFromJson(cache.history) : undefined;
  const hist = await readHistory(h, { dir: o.repoDir, env: o.env }, prior);
  if (hist.commits.length === 0) throw new SiteError(`no commit of ${o.repoDir} touches ${o.archive}/: nothing to build a site from`);
  const incremental =
    prior !== undefined && hist.commits.length >= prior.commits.length && hist.commits[prior.commits.length - 1]?.commit === prior.commits.at(-1)?.commit;
  const built = cache && cache.signature === signature && incremental ? cache.pages : {};

  const current = await readIndexAt(h.g, h.archive, hist.head);
  const servedSince = hist.servedFrom ? hist.commits.find((c) => c.commit === hist.servedFrom)?.date : undefined;
  const ctx: SiteContext = { hist, current, forge, archive: h.archive, recentDays: o.recentDays, ...(servedSince ? { servedSince } : {}) };
  const lastDate = hist.commits.at(-1)?.date ?? new Date(0).toISOString();

  for (const dir of ['zones', 'assets']) fs.mkdirSync(path.join(outDir, dir), { recursive: true });
  writeAssets(outDir, writeFile);

  const pages: Record<string, string> = {};
  let zonePagesWritten = 0;
  for (const t of hist.zones.values()) {
    const last = t.entries.at(-1)?.commit ?? '';
    pages[t.zone] = last;
    if (built[t.zone] === last && fs.existsSync(path.join(outDir, zonePage(t.zone)))) continue;
    zonePagesWritten++;
    writeFile(path.join(outDir, zonePage(t.zone)), zonePageHtml(ctx, t));
    const events = zoneEvents(t, 0).reverse();
    writeFile(
      path.join(outDir, zonePage(t.zone, 'atom')),
      atomFeed({
        baseUrl,
        id: eventId('changed', t.zone, 'feed'),
        title: `zonelog: ${t.zone}`,
        self: zonePage(t.zone, 'atom'),
        page: zonePage(t.zone),
        events,
        fallbackDate: lastDate,
      }),
    );
  }
  const events = archiveEvents(hist.zones.values(), o.minChange);
  writeFile(path.join(outDir, 'index.html'), homePage(ctx));
  writeFile(
    path.join(outDir, 'feed.atom'),
    atomFeed({
      baseUrl,
      id: eventId('started', forge?.url ?? o.archive, 'feed'),
      title: 'zonelog: zones that start or stop allowing transfer',
      self: 'feed.atom',
      page: 'index.html',
      events,
      fallbackDate: lastDate,
    }),
  );
  if (!incremental) removeStalePages(outDir, hist);

  // Without the cache the site is still whole: the next build only reads the whole history again.
  let cacheError: string | undefined;
  try {
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
    writeFile(cacheFile, JSON.stringify({ version: SITE_VERSION, signature, history: historyToJson(hist), pages } satisfies Cache));
  } catch (e) {
    cacheError = `${cacheFile}: ${(e as Error).message}`;
  }
  return { outDir, head: hist.head, zones: hist.zones.size, transferable: current.size, zonePagesWritten, events: events.length, incremental, cacheError };
}

/** Temporary names: one random part per build (not one per file: thousands of pages), and a count. */
const TEMP_NAME = randomBytes(6).toString('hex');
let tempCount = 0;

/**
 * A temporary file renamed over the target: a host serving the folder shows the old
 * page or the new one, never a part. Not flushed to disk: the site can be built again.
 * Written synchronously: thousands of small pages cost less so than through promises.
 */
function writeFile(file: string, content: string | Buffer): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${TEMP_NAME}-${++tempCount}${TEMP_SUFFIX}`);
  try {
    fs.writeFileSync(tmp, content);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

function readCache(file: string): Cache | undefined {
  try {
    const c = JSON.parse(fs.readFileSync(file, 'utf8')) as Cache;
    return c && c.version === SITE_VERSION && typeof c.signature === 'string' && c.pages && typeof c.pages === 'object' ? c : undefined;
  } catch {
    return undefined;
  }
}

/** After a build from scratch: pages of zones that are not in this history (it was rewritten) go. */
function removeStalePages(outDir: string, hist: SiteHistory): void {
  const keep = new Set([...hist.zones.keys()].flatMap((z) => [path.basename(zonePage(z)), path.basename(zonePage(z, 'atom'))]));
  const dir = path.join(outDir, 'zones');
  for (const f of fs.readdirSync(dir)) if ((f.endsWith('.html') || f.endsWith('.atom')) && !keep.has(f)) fs.rmSync(path.join(dir, f), { force: true });
}
