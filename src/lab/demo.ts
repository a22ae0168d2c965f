/**
 * `zonelog demo` (docs/architecture.md §10): the main job end to end on the lab, with nothing but
 * Node: start the simulated internet on loopback, scan and publish into a new git
 * repository, let the world move on, scan and publish again, and show what the
 * history says.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { DEFAULT_LIMITS, DEFAULT_MEMORY_BUDGET } from '../axfr/limits.js';
import { DEFAULT_SPLIT_BYTES } from '../archive/layout.js';
import { git } from '../git/git.js';
import { emptyExclusions } from '../scan/config.js';
import { openHistory, zoneDiff, zoneOfPath } from '../history/history.js';
import { startLab } from './lab.js';
import { publish } from '../publish/publish.js';
import { scan } from '../scan/scan.js';
import { parseAddress } from '../dns/address.js';
import { buildSite } from '../site/site.js';
import { pathToFileURL } from 'node:url';
import type { TargetResult } from '../scan/results.js';
import { DEFAULT_BUDGETS } from '../scan/sources/budget.js';
import { DEFAULT_LEAKED_MAX_DELEGATIONS } from '../scan/sources/leaked.js';
import { parseSuffixList } from '../scan/sources/psl.js';
import { SOURCES } from '../scan/sources/source.js';

export interface DemoOptions {
  zones: number;
  seed: number;
  /** Where to make the repository (default: a new temporary folder). */
  dir?: string;
  env: Record<string, string | undefined>;
}

/** Short limits: the lab's silent and dripping servers should not make a person wait. */
const DEMO_LIMITS = { ...DEFAULT_LIMITS, connectTimeoutMs: 1000, idleTimeoutMs: 1000, deadlineMs: 5000 };

export async function runDemo(o: DemoOptions, out: Writable): Promise<number> {
  const say = (s = '') => out.write(s + '\n');
  const lab = await startLab({
    zones: o.zones,
    seed: o.seed,
    port: 0,
    below: true,
    clientLimits: { idleTimeoutMs: DEMO_LIMITS.idleTimeoutMs, deadlineMs: DEMO_LIMITS.deadlineMs },
  });
  const sources = {
    suffixes: parseSuffixList(lab.world.suffixList ?? '').suffixes,
    leakedMaxDelegations: DEFAULT_LEAKED_MAX_DELEGATIONS,
    budgets: DEFAULT_BUDGETS,
  };
  const repo = o.dir ? path.resolve(o.dir) : fs.mkdtempSync(path.join(os.tmpdir(), 'zonelog-demo-'));
  try {
    fs.mkdirSync(repo, { recursive: true });
    const g = git(repo, o.env);
    await g.raw(['init', '-q', '-b', 'main']);
    const below = [...lab.world.tlds.values()].filter((z) => z.designed).length;
    say(
      `The lab: ${lab.world.tlds.size - below} TLDs and ${below} zones below them on ${lab.world.addresses.length} loopback addresses, root servers ${lab.rootServers.slice(0, 3).join(' ')} …`,
    );
    say(`The archive: a new git repository at ${repo}`);
    say();

    for (const round of [1, 2]) {
      if (round === 2) {
        await lab.mutate(o.seed + 1);
        say('The world moves on: serials bump, delegations come and go, servers change their minds.');
        say();
      }
      const results = fs.mkdtempSync(path.join(os.tmpdir(), 'zonelog-demo-scan-'));
      try {
        const roots = lab.rootServers.map((r) => {
          const p = parseAddress(r);
          if (!p.ok) throw new Error(p.error);
          return p.address;
        });
        const report = await scan({
          roots,
          port: lab.port,
          zones: [],
          fallbackZones: [],
          family: 'any',
          exclusions: emptyExclusions(),
          concurrency: 64,
          perAddress: 2,
          limits: DEMO_LIMITS,
          dnssec: false,
          memoryBudget: DEFAULT_MEMORY_BUDGET,
          out: results,
          sources,
        });
        const counts = new Map<string, number>();
        for (const t of report.targets) counts.set(t.outcome, (counts.get(t.outcome) ?? 0) + 1);
        say(
          `Round ${round}: scanned ${report.targets.length} targets: ${[...counts]
            .sort((a, b) => b[1] - a[1])
            .map(([k, n]) => `${n} ${k}`)
            .join(', ')}`,
        );
        say(`Round ${round}: zones transferred by source: ${sourceCounts(report.targets)}`);
        const r = await publish({
          dirs: [results],
          archiveDir: path.join(repo, 'archive'),
          splitBytes: DEFAULT_SPLIT_BYTES,
          commit: true,
          push: false,
          remote: 'origin',
          env: o.env,
        });
        if (!r.ok) throw new Error(r.error);
        say(r.commit?.committed ? `Round ${round}: committed "${r.commit.subject}"` : `Round ${round}: nothing changed, no commit`);
        say();
      } finally {
        fs.rmSync(results, { recursive: true, force: true });
      }
    }

    say('$ grep "^## " archive/README.md');
    say(
      fs
        .readFileSync(path.join(repo, 'archive', 'README.md'), 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('## '))
        .join('\n'),
    );
    say();
    say('$ ls archive');
    say(fs.readdirSync(path.join(repo, 'archive')).sort().join('  '));
    say();
    say('$ git log --stat');
    say((await g.raw(['log', '--stat', '--format=commit %h%nDate: %cI%n%n    %s%n%w(0,4,4)%b'])).trimEnd());
    say();
    const h = openHistory(repo, 'archive', o.env);
    const changed = (await g.raw(['show', '--name-only', '--format=', 'HEAD']))
      .split('\n')
      .filter((f) => f.endsWith('.zone'))
      .slice(0, 3);
    for (const file of changed) {
      const zone = zoneOfPath(h, file);
      if (!zone) continue;
      say(`$ zonelog diff ${zone}`);
      const d = await zoneDiff(h, zone).catch((e: Error) => ({ lines: [`(${e.message})`] }));
      say(d.lines.slice(0, 12).join('\n') + (d.lines.length > 12 ? `\n… ${d.lines.length - 12} more lines` : ''));
      say();
    }
    // The web report, as the scheduled workflow publishes it (without links to a forge: this repository has none).
    say('$ zonelog site --out site');
    const site = await buildSite({
      repoDir: repo,
      archive: 'archive',
      outDir: path.join(repo, 'site'),
      env: { ...o.env, GITHUB_REPOSITORY: undefined },
      minChange: 100,
      recentDays: 7,
    });
    say(`site: ${site.zones} zones (${site.transferable} transferable now), ${site.zonePagesWritten} zone pages written, ${site.events} events in the feed`);
    say();
    say(`The repository is at ${repo}: try  cd ${repo} && git log -p archive/root.zone`);
    say(`The web report: open ${pathToFileURL(path.join(site.outDir, 'index.html')).href} in a browser (no server needed), feed: site/feed.atom`);
    return 0;
  } finally {
    await lab.stop();
  }
}

/** `root 12, arpa 5, psl 3, leaked 3`: zones with a transfer, per source. */
function sourceCounts(targets: readonly TargetResult[]): string {
  const zones = new Map<string, string>();
  for (const t of targets) if (t.outcome === 'transferred') zones.set(t.zone, t.source ?? 'root');
  return SOURCES.map((s) => `${s} ${[...zones.values()].filter((x) => x === s).length}`).join(', ');
}
