/**
 * The site's own files: its style sheet, the small script that draws each chart
 * with uPlot from the JSON beside it, and uPlot itself, copied from the installed
 * package (a page never loads anything from another site).
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** uPlot's files, copied as they are; its licence goes with them. */
const UPLOT_FILES: [from: string, to: string][] = [
  ['uplot/dist/uPlot.iife.min.js', 'uPlot.iife.min.js'],
  ['uplot/dist/uPlot.min.css', 'uPlot.min.css'],
  ['uplot/LICENSE', 'uPlot.LICENSE.txt'],
];

/** Colours that keep at least 4.5:1 contrast on white (WCAG 2 AA), in the order series get them. */
const PALETTE = ['#1f5fbf', '#b3261e', '#1b7a3a', '#8a4b00', '#6a3d9a', '#00707a', '#a3126e', '#4a4a4a'];

const SITE_JS = `// Draws each chart of the page with uPlot from the JSON block named by data-chart.
(function () {
  'use strict';
  var palette = ${JSON.stringify(PALETTE)};
  function draw(el) {
    var block = document.getElementById(el.getAttribute('data-chart'));
    if (!block || typeof uPlot === 'undefined') return;
    var d = JSON.parse(block.textContent);
    var few = d.x.length < 60;
    var series = [{ label: 'date' }].concat(d.series.map(function (s, i) {
      return { label: s.label, stroke: palette[i % palette.length], width: 2, spanGaps: true,
               paths: uPlot.paths.stepped({ align: 1 }), points: { show: few } };
    }));
    var data = [d.x].concat(d.series.map(function (s) { return s.values; }));
    // One date only (a zone seen once): a day either side of it, not an empty year.
    var x = { time: true };
    if (d.x.length > 0 && d.x[0] === d.x[d.x.length - 1]) x.range = [d.x[0] - 86400, d.x[0] + 86400];
    var width = function () { return Math.max(240, el.clientWidth || 600); };
    var plot = new uPlot({ width: width(), height: 280, series: series,
                           scales: { x: x, y: { range: function (u, min, max) { return [0, Math.max(1, Math.ceil(max * 1.1))]; } } }, 
                           axes: [{}, { size: 72 }] }, data, el);
    var resized;
    window.addEventListener('resize', function () {
      clearTimeout(resized);
      resized = setTimeout(function () { plot.setSize({ width: width(), height: 280 }); }, 100);
    });
    el.setAttribute('data-drawn', 'true');
  }
  var charts = document.querySelectorAll('[data-chart]');
  for (var i = 0; i < charts.length; i++) draw(charts[i]);
})();
`;

const SITE_CSS = `:root { color-scheme: light; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1a1a1a; background: #fff; margin: 0 auto; max-width: 72rem; padding: 0 1rem 2rem; }
a { color: #0b4fa8; }
a:visited { color: #5b2a86; }
a:focus-visible { outline: 3px solid #1f5fbf; outline-offset: 2px; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .25rem .5rem; }
header { padding: .75rem 0; border-bottom: 1px solid #ccc; margin-bottom: 1rem; }
header a { font-weight: 600; }
footer { margin-top: 3rem; padding-top: .75rem; border-top: 1px solid #ccc; color: #4a4a4a; font-size: .9rem; }
h1 { font-size: 1.6rem; line-height: 1.25; overflow-wrap: anywhere; }
h2 { font-size: 1.25rem; margin-top: 2rem; }
code, .zone { font-family: ui-monospace, "DejaVu Sans Mono", monospace; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: .5rem 0; font-size: .95rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border-bottom: 1px solid #ddd; padding: .3rem .6rem; text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid #888; }
tbody th { font-weight: normal; }
table .zone, table time, table code { white-space: nowrap; overflow-wrap: normal; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.added { color: #1b7a3a; }
.removed { color: #b3261e; }
.note { color: #4a4a4a; }
.badge { display: inline-block; border: 1px solid #888; border-radius: .25rem; padding: 0 .3rem; font-size: .8rem; color: #333; }
figure.chart { margin: 1rem 0; }
figcaption { font-weight: 600; }
.plot { min-height: 280px; max-width: 100%; overflow: hidden; }
details { margin: .5rem 0; }
summary { cursor: pointer; color: #0b4fa8; }
ul.servers { margin: 0; padding-left: 1rem; }
@media (max-width: 40rem) { body { font-size: 15px; } th, td { padding: .25rem .4rem; } }
`;

/** Writes the assets into `outDir/assets/`. */
export function writeAssets(outDir: string, write: (file: string, text: string | Buffer) => void): void {
  for (const [from, to] of UPLOT_FILES) write(path.join(outDir, 'assets', to), fs.readFileSync(require.resolve(from)));
  write(path.join(outDir, 'assets', 'site.js'), SITE_JS);
  write(path.join(outDir, 'assets', 'site.css'), SITE_CSS);
}
