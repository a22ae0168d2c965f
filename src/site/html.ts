/**
 * The HTML pieces every page of the site is made of. Zone names, server names
 * and commit authors come from outside: everything is escaped here, the pages
 * carry no inline script (a Content-Security-Policy allows only the site's own
 * files), and a chart's data sits in a JSON block that is never executed.
 */
import { zoneStem } from '../archive/layout.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for an HTML element or a quoted attribute. */
export function esc(s: string | number): string {
  return String(s).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Each zone's file stem, worked out once: every page links to zones many times. */
const stems = new Map<string, string>();
function stemOf(zone: string): string {
  let s = stems.get(zone);
  if (s === undefined) stems.set(zone, (s = zoneStem(zone)));
  return s;
}

/** A zone's page and feed, relative to the site's root: `zones/ba.html`, `zones/root.html`. */
export function zonePage(zone: string, ext: 'html' | 'atom' = 'html'): string {
  return `zones/${stemOf(zone)}.${ext}`;
}

/** The same as a URL path (a stem's `%` must reach the server as `%25`). */
export function zoneHref(zone: string, ext: 'html' | 'atom' = 'html'): string {
  return `zones/${encodeURIComponent(stemOf(zone))}.${ext}`;
}

/** `2026-12-04 18:20 UTC` */
function showDate(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** `<time>` with the full date in its attribute. */
export function time(iso: string): string {
  return `<time datetime="${esc(iso)}">${esc(showDate(iso))}</time>`;
}

export interface Page {
  title: string;
  /** From the page to the site's root: `''` or `'../'`. */
  root: string;
  /** The page's own Atom feed, relative to the page. */
  feed?: { href: string; title: string };
  body: string;
}

export function page(p: Page): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'">
<title>${esc(p.title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${p.root}assets/uPlot.min.css">
<link rel="stylesheet" href="${p.root}assets/site.css">
${p.feed ? `<link rel="alternate" type="application/atom+xml" title="${esc(p.feed.title)}" href="${esc(p.feed.href)}">\n` : ''}<script src="${p.root}assets/uPlot.iife.min.js" defer></script>
<script src="${p.root}assets/site.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to the content</a>
<header><a href="${p.root}index.html">zonelog</a>: DNS zones whose servers allow zone transfer</header>
<main id="main">
${p.body}
</main>
<footer>Built by zonelog from the archive's git history. No server and no network are needed to read these pages.</footer>
</body>
</html>
`;
}

/** A table: header cells, rows of cells already in HTML; numbers right-aligned by class. */
export function table(caption: string, head: string[], rows: string[][], numeric: number[] = []): string {
  const cls = (i: number) => (numeric.includes(i) ? ' class="num"' : '');
  return `<div class="scroll"><table>
<caption>${esc(caption)}</caption>
<thead><tr>${head.map((h, i) => `<th scope="col"${cls(i)}>${esc(h)}</th>`).join('')}</tr></thead>
<tbody>
${rows.map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th scope="row"${cls(i)}>${c}</th>` : `<td${cls(i)}>${c}</td>`)).join('')}</tr>`).join('\n')}
</tbody>
</table></div>`;
}

export interface Series {
  label: string;
  values: (number | null)[];
}

/**
 * A chart drawn by the site's script from the JSON beside it, with the same data
 * as a table under it (open when short), so nothing needs JavaScript to be read.
 */
export function chart(id: string, title: string, description: string, dates: string[], series: Series[]): string {
  const data = { x: dates.map((d) => Math.floor(Date.parse(d) / 1000)), series };
  // `<` never appears raw inside the block, so no text can end it.
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const rows = dates.map((d, i) => [time(d), ...series.map((s) => (s.values[i] === null ? '' : String(s.values[i])))]).reverse();
  const tableHtml = table(
    `${title}, newest first`,
    ['date', ...series.map((s) => s.label)],
    rows,
    series.map((_, i) => i + 1),
  );
  return `<figure class="chart" aria-labelledby="${id}-title">
<figcaption id="${id}-title">${esc(title)}</figcaption>
<div class="plot" data-chart="${id}-data" role="img" aria-label="${esc(`${description} The same data is in the table below.`)}"></div>
<script type="application/json" id="${id}-data">${json}</script>
<details${rows.length <= 12 ? ' open' : ''}><summary>${esc(title)} as a table (${rows.length} row${rows.length === 1 ? '' : 's'})</summary>
${tableHtml}
</details>
</figure>`;
}
