/**
 * A lab server in its own process, for the benchmarks that need options
 * `zonelog lab` does not offer (mix, sizes, addresses, client limits).
 *
 *   node dist/bench/lab-server.js LAB_MODULE OPTIONS_JSON [EXPECTED_FILE]
 *
 * LAB_MODULE is the lab.js of the zonelog build under test (so the lab is the
 * same build as the scanner, not whatever dist/ holds now). OPTIONS_JSON is
 * `{ "lab": LabOptions, "limits": ClientLimits }`; the lab binds loopback only.
 * When ready it writes one JSON line to stdout (port, root servers, counts,
 * start time) and, with EXPECTED_FILE, `lab.expectedFor(limits)` there as JSON.
 *
 * Then it reads commands, one per line, on stdin and answers each with one JSON
 * line: `stats` (highest TCP connections, transfers and connections being
 * answered at one address, and where), `reset` (resets those), `stop`. It stops when stdin ends too (the
 * benchmark died), and on SIGTERM / SIGINT.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import { pathToFileURL } from 'node:url';
import type * as LabModule from '../src/lab/lab.js';
import type { ClientLimits } from '../src/lab/world.js';

interface Config {
  lab: LabModule.LabOptions;
  limits: Partial<ClientLimits>;
}

const [modulePath, optionsJson, expectedFile] = process.argv.slice(2);
if (!modulePath || !optionsJson) {
  process.stderr.write('usage: node dist/bench/lab-server.js LAB_MODULE OPTIONS_JSON [EXPECTED_FILE]\n');
  process.exit(1);
}
const config = JSON.parse(optionsJson) as Config;
const mod = (await import(pathToFileURL(modulePath).href)) as typeof LabModule;

const t0 = performance.now();
const lab = await mod.startLab({ ...config.lab, clientLimits: config.limits });
const startMs = performance.now() - t0;
const t1 = performance.now();
const expected = lab.expectedFor(config.limits);
const expectedMs = performance.now() - t1;
if (expectedFile) fs.writeFileSync(expectedFile, JSON.stringify(expected));
// The lab's public suffix list, when its world has zones below the TLDs (for zonelog scan --suffix-list).
if (expectedFile && lab.world.suffixList) fs.writeFileSync(`${expectedFile}.suffixes`, lab.world.suffixList);

let stopping: Promise<void> | undefined;
const stop = (): Promise<void> => {
  stopping ??= lab.stop().then(() => {
    process.stdout.write(JSON.stringify({ stopped: true }) + '\n', () => process.exit(0));
  });
  return stopping;
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());

const roles: Record<string, number> = {};
for (const a of lab.world.addresses) roles[a.role] = (roles[a.role] ?? 0) + 1;
process.stdout.write(
  JSON.stringify({
    ready: true,
    pid: process.pid,
    port: lab.port,
    rootServers: lab.rootServers,
    zones: lab.world.tlds.size,
    addresses: lab.world.addresses.length,
    roles,
    closed: lab.world.addresses.filter((a) => a.closed).length,
    targets: expected.length,
    startMs,
    expectedMs,
    summary: mod.labSummary(lab),
  }) + '\n',
);

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const cmd = line.trim();
  if (cmd === 'stats') {
    let peak = 0;
    let peakTransfers = 0;
    let peakAt = '';
    let peakTransfersAt = '';
    let peakServing = 0;
    let peakServingAt = '';
    let accepted = 0;
    for (const a of lab.server.addresses) {
      const s = lab.connections(a);
      accepted += s.accepted;
      if (s.peak > peak) [peak, peakAt] = [s.peak, a];
      if (s.peakTransfers > peakTransfers) [peakTransfers, peakTransfersAt] = [s.peakTransfers, a];
      if (s.peakServing > peakServing) [peakServing, peakServingAt] = [s.peakServing, a];
    }
    process.stdout.write(JSON.stringify({ peak, peakAt, peakTransfers, peakTransfersAt, peakServing, peakServingAt, accepted }) + '\n');
  } else if (cmd === 'reset') {
    lab.resetStats();
    process.stdout.write(JSON.stringify({ reset: true }) + '\n');
  } else if (cmd === 'stop') {
    void stop();
  } else if (cmd !== '') {
    process.stdout.write(JSON.stringify({ error: `unknown command ${cmd}` }) + '\n');
  }
});
rl.on('close', () => void stop());
