/**
 * Benchmark of the web report (issue: a web report and feeds): the synthetic
 * history of the history benchmark (5,000 commits over 1,500 zones, one of
 * 100,000 records that changes in every commit), then
 *
 *   zonelog site, from scratch (no cache)            goal ≤ 10 s
 *   zonelog site, after one new commit (the cache as the build before it left it)
 *   git log --name-status -- archive  (every commit's message and the files it touched: what zonelog site reads first)
 *   git log --format=%H %cI%n%B        (every commit's message)
 *
 * interleaved, in a rotated order each run. See `node dist/bench/run.js site --help`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildHistory } from './history.js';
import { git } from './publish.js';
import {
  REPO_ROOT,
  benchArgs,
  fmt,
  keepTempDir,
  loadAverage,
  log,
  machineFacts,
  makeTempDir,
  markdownTable,
  measure,
  median,
  removeTempDir,
  replaceSection,
  wholeNumber,
  zonelogBuild,
  type Measurement,
  type Stage,
} from './lib.js';

export const description = 'The web report: zonelog site from scratch and after one commit vs git log, 5,000 commits over 1,500 zones';

const HEADING = '## The web report (issue: a web report and feeds)';
const GOAL_S = 10;
const TIMEOUT_MS = 10 * 60_000;

const USAGE = `usage: node dist/bench/run.js site [options]

  --commits N        commits in the history (default 5000)
  --zones N          zones (default 1500; one is big)
  --big-records N    records in the big zone (default 100000)
  --runs N           timed runs of each command (default 5)
  --seed N           generator seed (default 1)
  --repo DIR         use this history (one the history or site benchmark made and kept) instead of making one
  --no-report        print the section instead of writing it into BENCHMARKS.md
  --keep             keep the temporary folder
  --rev REV          benchmark zonelog as of this git revision
`;

interface Side {
  key: string;
  display: string;
  stage: Stage;
  /** Run before each timed run, untimed. */
  before?: () => void;
  runs: Measurement[];
}

export async function run(argv: string[]): Promise<void> {
  const parsed = benchArgs(
    argv,
    {
      commits: { type: 'string', default: '5000' },
      zones: { type: 'string', default: '1500' },
      'big-records': { type: 'string', default: '100000' },
      runs: { type: 'string', default: '5' },
      seed: { type: 'string', default: '1' },
      repo: { type: 'string' },
    } as const,
    USAGE,
  );
  if (!parsed) return;
  const { values, common } = parsed;
  const o = {
    commits: wholeNumber('commits', values.commits!, 20),
    zones: wholeNumber('zones', values.zones!, 2),
    bigRecords: wholeNumber('big-records', values['big-records']!, 100),
    runs: wholeNumber('runs', values.runs!, 1),
    seed: wholeNumber('seed', values.seed!, 0),
  };
  const tmp = makeTempDir('zonelog-bench-site-');
  if (common.keep) keepTempDir(tmp);
  log(`temporary folder ${tmp}`);
  const command = `npm run bench -- site${argv.length ? ' ' + argv.join(' ') : ''}`;
  const loadBefore = loadAverage();
  try {
    const zl = zonelogBuild(common.rev);
    log(`zonelog under test: ${zl.describe}`);
    const facts = values.repo ? existingHistory(path.resolve(values.repo)) : await buildHistory(o, path.join(tmp, 'history'));
    const repo = facts.repo;
    const cacheDir = path.join(repo, '.git', 'zonelog');
    const out = path.join(tmp, 'site');
    const site: Stage = { argv: ['env', '-u', 'GITHUB_REPOSITORY', process.execPath, zl.bin, 'site', '--archive', path.join(repo, 'archive'), '--out', out] };

    // The state a build at the commit before HEAD leaves (cache and pages), for the incremental runs.
    const head = git(repo, ['rev-parse', 'HEAD']).trim();
    const parent = git(repo, ['rev-parse', 'HEAD^']).trim();
    git(repo, ['update-ref', '--no-deref', 'HEAD', parent]);
    const t0 = Date.now();
    await measure([site], { scratchDir: tmp, timeoutMs: TIMEOUT_MS });
    log(`site at HEAD^ (untimed): ${fmt((Date.now() - t0) / 1000)} s`);
    git(repo, ['symbolic-ref', 'HEAD', 'refs/heads/main']);
    if (git(repo, ['rev-parse', 'HEAD']).trim() !== head) throw new Error('the bench repository lost its head');
    const saved = path.join(tmp, 'saved');
    fs.cpSync(cacheDir, path.join(saved, 'cache'), { recursive: true });
    fs.cpSync(out, path.join(saved, 'site'), { recursive: true });

    const sides: Side[] = [
      {
        key: 'scratch',
        display: 'zonelog site --archive R/archive --out S (no cache, no site)',
        stage: site,
        before: () => {
          fs.rmSync(cacheDir, { recursive: true, force: true });
          fs.rmSync(out, { recursive: true, force: true });
        },
        runs: [],
      },
      {
        key: 'incremental',
        display: 'zonelog site --archive R/archive --out S (cache and site as built at HEAD^)',
        stage: site,
        before: () => {
          for (const [from, to] of [
            [path.join(saved, 'cache'), cacheDir],
            [path.join(saved, 'site'), out],
          ] as const) {
            fs.rmSync(to, { recursive: true, force: true });
            fs.cpSync(from, to, { recursive: true });
          }
        },
        runs: [],
      },
      {
        key: 'git-ns',
        display: 'git log --name-status --format=%H %cI %an%n%B -- archive',
        stage: { argv: ['git', '-C', repo, 'log', '--no-color', '--no-renames', '--name-status', '--format=%H %cI %an%n%B', '--', 'archive'] },
        runs: [],
      },
      { key: 'git-msg', display: 'git log --format=%H %cI%n%B', stage: { argv: ['git', '-C', repo, 'log', '--no-color', '--format=%H %cI%n%B'] }, runs: [] },
    ];
    git(repo, ['log', '--oneline', '-1']);
    for (let r = 0; r < o.runs; r++) {
      const order = [...sides.slice(r % sides.length), ...sides.slice(0, r % sides.length)];
      for (const s of order) {
        s.before?.();
        s.runs.push(await measure([s.stage], { scratchDir: tmp, stdout: path.join(tmp, `${s.key}.out`), timeoutMs: TIMEOUT_MS }));
      }
      log(`run ${r + 1}/${o.runs}: ${sides.map((s) => `${s.key} ${fmt(s.runs.at(-1)!.wallS)} s`).join(', ')}`);
    }

    // Checks: what the last builds wrote.
    const scratchOut = fs.readFileSync(path.join(tmp, 'scratch.out'), 'utf8').trim();
    const incOut = fs.readFileSync(path.join(tmp, 'incremental.out'), 'utf8').trim();
    const pages = fs.readdirSync(path.join(out, 'zones')).filter((f) => f.endsWith('.html')).length;
    const touched = git(repo, ['show', '--name-only', '--format=', 'HEAD', '--', 'archive'])
      .split('\n')
      .filter((f) => f.endsWith('.zone')).length;

    const m = (s: Side) => median(s.runs.map((x) => x.wallS));
    const [scratch, inc, gitNs, gitMsg] = sides as [Side, Side, Side, Side];
    const rows = sides.map((s) => [
      `\`${s.display}\``,
      fmt(m(s)),
      `${fmt(Math.min(...s.runs.map((x) => x.wallS)))}–${fmt(Math.max(...s.runs.map((x) => x.wallS)))}`,
      fmt(median(s.runs.map((x) => x.cpuS))),
      fmt(median(s.runs.map((x) => x.maxRssMiB)), 0),
    ]);
    const ratio = (a: Side, b: Side) => `${fmt(m(a) / m(b))}×`;
    const body = [
      `Produced by: \`${command}\` (bench/site.ts; the history is the one bench/history.ts generates, built with \`git fast-import\`; the commands run interleaved, in a rotated order each run; before each run of zonelog site the cache (.git/zonelog) and the output folder are removed, or put back as a build at HEAD^ left them). The machine is shared with other work, so the table gives medians.`,
      '',
      `zonelog under test: ${zl.describe}.`,
      '',
      `Machine: ${machineFacts()
        .map((f) => `${f.label} ${f.value}`)
        .join('; ')}. Load average ${loadBefore} before, ${loadAverage()} after.`,
      '',
      `History: ${facts.commits.toLocaleString('en-US')} commits, ${facts.zones.toLocaleString('en-US')} zones (one of ${facts.bigRecords.toLocaleString('en-US')} records that changes in every commit), ${o.runs} runs each.`,
      '',
      markdownTable(['command', 'median wall s', 'min–max s', 'median CPU s', 'median peak RSS MiB'], rows, ['l', 'r', 'r', 'r', 'r']),
      '',
      markdownTable(
        ['ratio (medians, wall time)', 'value', 'goal', 'met?'],
        [
          ['zonelog site from scratch', `${fmt(m(scratch))} s`, `≤ ${GOAL_S} s`, m(scratch) <= GOAL_S ? 'met' : '**not met**'],
          ['from scratch / `git log --name-status … -- archive`', ratio(scratch, gitNs), '—', '—'],
          ['after one commit / from scratch', ratio(inc, scratch), 'incremental', m(inc) < m(scratch) ? 'yes' : '**no**'],
          ['after one commit / `git log --format=…%B`', ratio(inc, gitMsg), '—', '—'],
        ],
        ['l', 'r', 'l', 'l'],
      ),
      '',
      'Checks:',
      '',
      `- from scratch: \`${scratchOut.split('\n')[0]}\`; ${pages.toLocaleString('en-US')} zone pages in the output`,
      `- after one commit (it touched ${touched} zone file${touched === 1 ? '' : 's'}): \`${incOut.split('\n')[0]}\``,
    ].join('\n');
    if (common.report) {
      replaceSection(path.join(REPO_ROOT, 'BENCHMARKS.md'), HEADING, body);
      log(`wrote ${HEADING} into BENCHMARKS.md`);
    } else process.stdout.write(`${HEADING}\n\n${body}\n`);
  } finally {
    if (!common.keep) removeTempDir(tmp);
  }
}

/** The size of a history made before (`--repo`). */
function existingHistory(repo: string): { repo: string; commits: number; zones: number; bigRecords: number } {
  const index = JSON.parse(git(repo, ['show', 'HEAD:archive/index.json'])) as { zones: Record<string, { records: number }> };
  return {
    repo,
    commits: Number(git(repo, ['rev-list', '--count', 'HEAD']).trim()),
    zones: Object.keys(index.zones).length,
    bigRecords: index.zones['big.']?.records ?? 0,
  };
}
