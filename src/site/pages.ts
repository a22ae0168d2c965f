/**
 * The site's pages: the home page (what can be transferred now, what started and
 * stopped lately, totals over time) and one page per zone (its timeline, charts,
 * when it was transferable, and where its servers disagree).
 */
import { compareZoneNames, zoneFile } from '../archive/layout.js';
import { versionsServed, type CurrentZone, type ServedVersion } from './current.js';
import { forgeLinks, type Forge } from './forge.js';
import { chart, esc, page, table, time, zoneHref } from './html.js';
import { isPresent, lastStart, totalsOverTime, transferableSpans, type SiteHistory, type TimelineEntry, type ZoneTimeline } from './timeline.js';

export interface SiteContext {
  hist: SiteHistory;
  /** index.json at the head: the zones transferable now. */
  current: Map<string, CurrentZone>;
  forge?: Forge;
  /** The archive folder in the repository (for links to files on the forge). */
  archive: string;
  /** "Newly" and "recently": this many days before the last commit. */
  recentDays: number;
  /** The date of the first commit whose index.json was read for what each address served. */
  servedSince?: string;
}

const DAY_MS = 86_400_000;

function headDate(ctx: SiteContext): string | undefined {
  return ctx.hist.commits.at(-1)?.date;
}

function zoneLink(zone: string, root: string, ctx?: SiteContext): string {
  // A zone the index names but whose files no commit holds has no page.
  if (ctx && !ctx.hist.zones.has(zone)) return `<span class="zone">${esc(zone)}</span>`;
  return `<a class="zone" href="${root}${zoneHref(zone)}">${esc(zone)}</a>${zone === '.' ? ' (the root)' : ''}`;
}

function commitLink(ctx: SiteContext, commit: string): string {
  const short = `<code>${esc(commit.slice(0, 10))}</code>`;
  return ctx.forge ? `<a href="${esc(forgeLinks.commit(ctx.forge, commit))}" title="commit ${esc(commit)}">${short}</a>` : short;
}

function counts(e: TimelineEntry): string {
  return `<span class="added">+${e.added}</span> <span class="removed">\u2212${e.removed}</span>`;
}

function serversList(z: CurrentZone): string {
  if (z.servers.length === 0) return '';
  return `<ul class="servers">${z.servers.map((s) => `<li>${s.names?.length ? `${s.names.map((n) => `<span class="zone">${esc(n)}</span>`).join(', ')} ` : ''}<code>${esc(s.address)}</code></li>`).join('')}</ul>`;
}

/** The latest entry that changed records (not only the servers). */
function lastChange(t: ZoneTimeline): TimelineEntry | undefined {
  for (let i = t.entries.length - 1; i >= 0; i--) if (t.entries[i]!.kind !== 'servers') return t.entries[i];
  return undefined;
}

/** What the home page calls each source of zone names (index.json's `source`). */
const SOURCE_TEXT: Record<string, string> = {
  root: 'root and TLDs',
  arpa: 'arpa tree',
  psl: 'public suffixes',
  leaked: 'below leaked zones',
  list: 'listed by hand',
};
/** Zones whose index.json entries name no source: archived before sources were recorded, or not read. */
const UNKNOWN_SOURCE = 'source not recorded';

const sourceText = (s: string | undefined) => (s ? (SOURCE_TEXT[s] ?? s) : UNKNOWN_SOURCE);

/** The zone's source: the head's index.json, else the newest one read that lists it. */
function sourceOf(ctx: SiteContext, t: ZoneTimeline): string {
  return sourceText(ctx.current.get(t.zone)?.source ?? t.source);
}

function since(ctx: SiteContext, zone: string): string | undefined {
  const t = ctx.hist.zones.get(zone);
  return ctx.current.get(zone)?.since ?? (t ? lastStart(t)?.date : undefined);
}

export function homePage(ctx: SiteContext): string {
  const head = headDate(ctx);
  const cutoff = head ? Date.parse(head) - ctx.recentDays * DAY_MS : Infinity;
  const zones = [...ctx.hist.zones.values()];
  const now = [...ctx.current.values()].sort((a, b) => compareZoneNames(a.zone, b.zone));
  const hasSource = now.some((z) => z.source);

  const newly = now
    .map((z) => ({ z, since: since(ctx, z.zone) }))
    .filter((x) => x.since && Date.parse(x.since) >= cutoff)
    .sort((a, b) => (a.since! < b.since! ? 1 : a.since! > b.since! ? -1 : compareZoneNames(a.z.zone, b.z.zone)));
  const closed = zones
    .filter((t) => !ctx.current.has(t.zone) && !isPresent(t))
    .map((t) => ({ t, end: lastChange(t)! }))
    .filter((x) => x.end && x.end.kind === 'removed' && Date.parse(x.end.date) >= cutoff)
    .sort((a, b) => (a.end.date < b.end.date ? 1 : a.end.date > b.end.date ? -1 : compareZoneNames(a.t.zone, b.t.zone)));

  const nowRow = (z: CurrentZone) => {
    const t = ctx.hist.zones.get(z.zone);
    const last = t ? lastChange(t) : undefined;
    const s = since(ctx, z.zone);
    return [
      zoneLink(z.zone, '', ctx),
      ...(hasSource ? [esc(sourceText(z.source))] : []),
      s ? time(s) : '',
      serversList(z),
      esc(z.serial ?? ''),
      esc(z.records ?? ''),
      last ? `${time(last.date)}<br>${counts(last)}` : '',
    ];
  };
  const head_ = ['zone', ...(hasSource ? ['source'] : []), 'transferable since', 'servers that allow transfer', 'serial', 'records', 'last change'];
  const numeric = hasSource ? [4, 5] : [3, 4];

  const totals = totalsOverTime(ctx.hist, (t) => sourceOf(ctx, t));
  // One series per source when some zone has one (unknown last), and the total.
  const sources = [...(totals.at(-1)?.bySource.keys() ?? [])].sort((a, b) => Number(a === UNKNOWN_SOURCE) - Number(b === UNKNOWN_SOURCE) || (a < b ? -1 : 1));
  const perSource = sources.length > 1 || (sources.length === 1 && sources[0] !== UNKNOWN_SOURCE);
  const key = (p: (typeof totals)[number]) => [p.zones, ...sources.map((x) => p.bySource.get(x) ?? 0)].join(' ');
  // One point per change of a count, and the last commit, so the table stays readable.
  const points = totals.filter((p, i) => i === 0 || i === totals.length - 1 || key(p) !== key(totals[i - 1]!));
  const gone = zones.filter((t) => !ctx.current.has(t.zone)).sort((a, b) => compareZoneNames(a.zone, b.zone));
  const bySource = new Map<string, number>();
  if (hasSource) for (const z of now) bySource.set(sourceText(z.source), (bySource.get(sourceText(z.source)) ?? 0) + 1);

  const body = `<h1>Zones that can be transferred now</h1>
<p>${now.length} zone${now.length === 1 ? '' : 's'} allow${now.length === 1 ? 's' : ''} zone transfer (AXFR) from at least one of ${now.length === 1 ? 'its' : 'their'} name servers${head ? `, as of the last scan (${time(head)})` : ''}.
Follow new leaks in the <a href="feed.atom">Atom feed</a>.</p>

<h2 id="newly">Newly transferable</h2>
${
  newly.length
    ? table(
        `Zones that became transferable in the ${ctx.recentDays} days before the last scan, newest first`,
        ['zone', 'since', 'servers that allow transfer', 'serial', 'records'],
        newly.map(({ z, since: s }) => [zoneLink(z.zone, '', ctx), time(s!), serversList(z), esc(z.serial ?? ''), esc(z.records ?? '')]),
        [3, 4],
      )
    : `<p class="note">No zone became transferable in the ${ctx.recentDays} days before the last scan.</p>`
}

<h2 id="closed">Recently closed</h2>
${
  closed.length
    ? table(
        `Zones that stopped allowing transfer in the ${ctx.recentDays} days before the last scan, newest first`,
        ['zone', 'closed', 'transferable from', 'evidence'],
        closed.map(({ t, end }) => {
          const spans = transferableSpans(t);
          return [
            zoneLink(t.zone, ''),
            time(end.date),
            spans.length ? time(spans.at(-1)!.from.date) : '',
            end.refusal
              ? `refused by ${end.refusal.refusing} of ${end.refusal.answered} addresses`
              : end.byZonelog
                ? ''
                : 'removed by a commit zonelog did not write',
          ];
        }),
      )
    : `<p class="note">No zone stopped allowing transfer in the ${ctx.recentDays} days before the last scan.</p>`
}

<h2 id="now">Transferable now</h2>
${now.length ? table('Every zone that can be transferred now', head_, now.map(nowRow), numeric) : '<p class="note">None.</p>'}
${
  bySource.size
    ? `\n<h2 id="sources">By source</h2>\n${table(
        'Zones transferable now, by where their names came from',
        ['source', 'zones'],
        [...bySource].sort().map(([s, n]) => [esc(s), String(n)]),
        [1],
      )}`
    : ''
}

<h2 id="totals">Over time</h2>
${
  points.length
    ? chart(
        'totals',
        'Zones transferable over time',
        `Step chart of the number of zones in the archive after each scan${perSource ? `, in all and by where their names came from (${sources.join(', ')}); a zone counts under the source named by the newest index.json entry read for it` : ''}.`,
        points.map((p) => p.date),
        [
          { label: 'zones transferable', values: points.map((p) => p.zones) },
          ...(perSource ? sources.map((x) => ({ label: x, values: points.map((p) => p.bySource.get(x) ?? 0) })) : []),
        ],
      )
    : '<p class="note">The archive has no history yet.</p>'
}

<h2 id="before">No longer transferable</h2>
${gone.length ? `<ul>${gone.map((t) => `<li>${zoneLink(t.zone, '')}${lastChange(t) ? `, until ${time(lastChange(t)!.date)}` : ''}</li>`).join('\n')}</ul>` : '<p class="note">Every zone in the history can still be transferred.</p>'}`;
  return page({
    title: 'zonelog: zones that can be transferred now',
    root: '',
    feed: { href: 'feed.atom', title: 'zonelog: zones that start or stop allowing transfer' },
    body,
  });
}

/** `serial 3 (digest …): 192.0.2.53, 192.0.2.54` for each version served. */
function servedText(served: ServedVersion[]): string {
  return served
    .map((v) => `serial ${esc(v.serial)} (<code>${esc(v.digest)}</code>) from ${v.addresses.map((a) => `<code>${esc(a)}</code>`).join(', ')}`)
    .join('<br>');
}

/**
 * The commits after which index.json records more than one version served by the
 * zone's addresses, and how far back index.json was read for it.
 */
function disagreementsHtml(ctx: SiteContext, t: ZoneTimeline): string {
  const read = t.entries.filter((e) => e.served);
  const split = read.filter((e) => e.served!.length > 1).reverse();
  const from = ctx.servedSince && ctx.servedSince !== ctx.hist.commits[0]?.date ? ctx.servedSince : undefined;
  const reach = from
    ? `<p class="note">What each address served is read from index.json for the commits since ${time(from)}; earlier commits are not checked.</p>`
    : '';
  if (read.length === 0)
    return `<h2 id="disagreements">Disagreements over time</h2>\n<p class="note">No commit of this zone in the part of the history read.</p>\n${reach}`;
  const body = split.length
    ? table(
        `Commits after which the addresses of ${t.zone} served different versions, newest first`,
        ['date', 'versions', 'what each address served', 'commit'],
        split.map((e) => [time(e.date), String(e.served!.length), servedText(e.served!), commitLink(ctx, e.commit)]),
        [1],
      )
    : `<p>After each of the ${read.length} commit${read.length === 1 ? '' : 's'} of this zone whose index.json was read, every address served the same version.</p>`;
  return `<h2 id="disagreements">Disagreements over time</h2>
${split.length ? `<p><strong>The servers disagreed</strong> after ${split.length} of the ${read.length} commit${read.length === 1 ? '' : 's'} of this zone whose index.json was read.</p>\n` : ''}${body}
${reach}`;
}

/** Links to the zone's file (or folder) at this commit: its history, and its blame when it is a file that is there. */
function fileAt(forge: Forge, archive: string, e: TimelineEntry): string {
  if (!e.path) return '';
  const file = `${archive}/${e.path}`;
  const blame = !e.path.endsWith('/') && e.kind !== 'removed' ? ` <a href="${esc(forgeLinks.blame(forge, e.commit, file))}">blame</a>` : '';
  return ` <a href="${esc(forgeLinks.history(forge, e.commit, file))}">history</a>${blame}`;
}

const KIND_TEXT: Record<TimelineEntry['kind'], string> = { added: 'became transferable', changed: 'changed', removed: 'stopped', servers: 'servers changed' };

export function zonePageHtml(ctx: SiteContext, t: ZoneTimeline): string {
  const zone = t.zone;
  const cur = ctx.current.get(zone);
  const spans = transferableSpans(t);
  const last = lastChange(t);
  const file = `${ctx.archive}/${cur?.path ?? zoneFile(zone)}`;
  const isFile = !file.endsWith('/');
  const s = since(ctx, zone);

  const status = cur
    ? `<p><strong>Transferable now</strong>${s ? `, since ${time(s)}` : ''}, from ${cur.servers.length} address${cur.servers.length === 1 ? '' : 'es'}: serial ${esc(cur.serial ?? '?')}, ${esc(cur.records ?? '?')} records${cur.source ? `; source: ${esc(sourceText(cur.source))}` : ''}.</p>`
    : `<p><strong>Not transferable now.</strong>${last?.kind === 'removed' ? ` It stopped on ${time(last.date)}${last.refusal ? ` (refused by ${last.refusal.refusing} of ${last.refusal.answered} addresses)` : ''}.` : ''}</p>`;

  // Links at the zone's own last commit: the page stays right until the zone changes again.
  const forge = ctx.forge;
  const at = t.entries.at(-1)?.commit;
  const fileLinks =
    forge && at
      ? `<p>On the forge: ${isFile && cur ? `<a href="${esc(forgeLinks.blame(forge, at, file))}">blame of ${esc(file)}</a>, ` : ''}<a href="${esc(forgeLinks.history(forge, at, file))}">history of ${esc(file)}</a>.</p>`
      : '';

  const groups = cur ? versionsServed(cur.servers) : [];
  const servers = cur
    ? `<h2 id="servers">Servers that allow transfer</h2>
${groups.length > 1 ? `<p><strong>The servers disagree:</strong> they served ${groups.length} different versions of the zone in the last scan.</p>` : '<p>Every address served the same version in the last scan.</p>'}
${table(
  'Addresses that allowed transfer in the last scan, with the version each served',
  ['address', 'name servers', 'serial', 'digest of the text served'],
  cur.servers.map((x) => [
    `<code>${esc(x.address)}</code>`,
    (x.names ?? []).map((n) => `<span class="zone">${esc(n)}</span>`).join(', '),
    esc(x.serial),
    `<code>${esc(x.digest)}</code>`,
  ]),
  [2],
)}`
    : '';
  const serverChanges = t.entries.filter((e) => e.servers);
  const disagreements = disagreementsHtml(ctx, t);

  // Charts: one point per commit that changed the records.
  const counted = t.entries.filter((e) => e.records !== undefined && e.kind !== 'servers');
  const types = [...new Set(counted.flatMap((e) => Object.keys(e.byType ?? {})))].sort();
  const dates = counted.map((e) => e.date);
  const byType = chart(
    'types',
    'Records by type over time',
    `Step chart of the number of records after each change, and of each type (${types.join(', ')}) in the versions counted.`,
    dates,
    [
      { label: 'all records', values: counted.map((e) => e.records ?? null) },
      ...types.map((ty) => ({ label: ty, values: counted.map((e) => (e.byType ? (e.byType[ty] ?? 0) : null)) })),
    ],
  );
  const delegations = chart(
    'delegations',
    'Delegations over time',
    'Step chart of the number of names below the apex with NS records after each change.',
    dates,
    [{ label: 'delegations', values: counted.map((e) => e.delegations ?? null) }],
  );

  const rows = [...t.entries]
    .reverse()
    .map((e) => [
      time(e.date),
      `${esc(KIND_TEXT[e.kind])}${e.servers ? `: ${e.servers.before} \u2192 ${e.servers.after} addresses` : ''}${e.refusal ? `: refused by ${e.refusal.refusing} of ${e.refusal.answered}` : ''}${e.byZonelog ? '' : ' <span class="badge">not by zonelog</span>'}`,
      esc(e.serial ?? ''),
      e.kind === 'servers' ? '' : counts(e),
      esc(e.records ?? ''),
      e.served ? `${e.served.length}${e.served.length > 1 ? ' <span class="badge">disagree</span>' : ''}` : '',
      commitLink(ctx, e.commit) + (forge ? fileAt(forge, ctx.archive, e) : ''),
    ]);

  const body = `<p><a href="../index.html">All zones</a></p>
<h1>Zone <span class="zone">${esc(zone)}</span>${zone === '.' ? ' (the root)' : ''}</h1>
${status}
<p>Follow this zone in its <a href="${esc(zoneHref(zone, 'atom').slice('zones/'.length))}">Atom feed</a>.${last ? ` Last change: ${time(last.date)}.` : ''}</p>
${fileLinks}
${servers}
${disagreements}

<h2 id="spans">When it could be transferred</h2>
${spans.length ? `<ul>${spans.map((sp) => `<li>from ${time(sp.from.date)} ${sp.to ? `to ${time(sp.to.date)}` : 'until now'}</li>`).join('\n')}</ul>` : '<p class="note">Never, in this history.</p>'}
${serverChanges.length ? `<p>The number of addresses that allow transfer changed ${serverChanges.length} time${serverChanges.length === 1 ? '' : 's'} (see the timeline).</p>` : ''}

<h2 id="charts">Records and delegations</h2>
${counted.length ? byType + '\n' + delegations : '<p class="note">No counts in this history.</p>'}

<h2 id="timeline">Timeline</h2>
${table(`Every commit that touched ${zone}, newest first`, ['date', 'what', 'serial', 'records added and removed', 'records after', 'versions served', 'commit'], rows, [2, 4, 5])}`;
  return page({ title: `zonelog: ${zone}`, root: '../', feed: { href: zoneHref(zone, 'atom').slice('zones/'.length), title: `zonelog: ${zone}` }, body });
}
