/**
 * Runs the named benchmarks (all when none is named), passing them the options:
 *
 *   node dist/bench/run.js [NAME...] [options]     e.g. node dist/bench/run.js axfr --records 200000 --runs 3
 *   node dist/bench/run.js --list
 *   node dist/bench/run.js NAME --help
 */
import { cleanupSync } from './lib.js';

interface Benchmark {
  description: string;
  run(argv: string[]): Promise<void>;
}

const BENCHMARKS: Record<string, () => Promise<Benchmark>> = {
  axfr: () => import('./axfr.js'),
  lab: () => import('./lab.js'),
  scan: () => import('./scan.js'),
  publish: () => import('./publish.js'),
  history: () => import('./history.js'),
  site: () => import('./site.js'),
};

async function main(argv: string[]): Promise<number> {
  const names: string[] = [];
  let i = 0;
  while (i < argv.length && !argv[i]!.startsWith('-')) names.push(argv[i++]!);
  const rest = argv.slice(i);
  if (rest.includes('--list') || (names.length === 0 && (rest.includes('--help') || rest.includes('-h')))) {
    process.stdout.write('usage: node dist/bench/run.js [NAME...] [options]   (NAME --help for its options)\n\nbenchmarks:\n');
    for (const [name, load] of Object.entries(BENCHMARKS)) process.stdout.write(`  ${name.padEnd(8)} ${(await load()).description}\n`);
    return 0;
  }
  const unknown = names.filter((n) => !(n in BENCHMARKS));
  if (unknown.length) {
    process.stderr.write(`bench: unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}\n`);
    return 1;
  }
  for (const name of names.length ? names : Object.keys(BENCHMARKS)) {
    const bench = await BENCHMARKS[name]!();
    await bench.run(rest);
    if (process.exitCode) return Number(process.exitCode);
  }
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`bench: ${(e as Error).stack ?? e}\n`);
  cleanupSync();
  // Nothing left behind may keep a failed run alive (a timer, a socket).
  process.exit(2);
}
