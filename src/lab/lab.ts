/**
 * The lab (docs/architecture.md §10): a generated world served on loopback by one AuthServer,
 * with what zonelog must find there. Used by `zonelog lab`, the tests, the
 * benchmarks and the demo.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { formatAddress } from '../dns/address.js';
import { AuthServer, type ConnectionStats } from './authserver.js';
import {
  DEFAULT_CLIENT_LIMITS,
  createWorld,
  expectedTargets,
  mutate as mutateWorld,
  servingPlan,
  zoneAddresses,
  type Behaviour,
  type ClientLimits,
  type ExpectedTarget,
  type World,
  type WorldOptions,
} from './world.js';

export interface LabOptions extends WorldOptions {
  /** The DNS port on every address (default 53; 0 picks a free one). */
  port?: number;
  /** A real root zone file to serve instead of a generated root (its text goes to rootZoneText). */
  rootZoneFile?: string;
  /** The client limits `expected` is computed for (default zonelog's: idle 10 s, deadline 30 min). */
  clientLimits?: Partial<ClientLimits>;
  /** Passed to the server. */
  tcpIdleMs?: number;
  cacheBytes?: number;
  messageBytes?: number;
}

export interface Lab {
  readonly world: World;
  readonly port: number;
  /** Addresses of the root servers (no port). */
  readonly rootAddresses: string[];
  /** The same as `ADDR:PORT` / `[::1]:PORT`, ready for `zonelog scan --root`. */
  readonly rootServers: string[];
  /** Every (zone, NS name, address) with the outcome zonelog must report, for `clientLimits`. */
  readonly expected: ExpectedTarget[];
  readonly server: AuthServer;
  /** `expected` for other client limits. */
  expectedFor(limits: Partial<ClientLimits>): ExpectedTarget[];
  /** Current and peak TCP connections at an address. */
  connections(address: string): ConnectionStats;
  /** AXFR queries received for a zone at an address. */
  axfrQueries(zone: string, address: string): number;
  /** The highest `peak` over all addresses. */
  peakConnections(): number;
  /** The highest `peakServing` over all addresses: connections whose query was being answered. */
  peakServing(): number;
  resetStats(): void;
  /** Advances the world (src/lab/world.ts mutate) and serves the new one. */
  mutate(seed: number): Promise<void>;
  stop(): Promise<void>;
}

class RunningLab implements Lab {
  private current: World;
  private expectedCache: ExpectedTarget[] | undefined;

  constructor(
    world: World,
    readonly server: AuthServer,
    private readonly limits: ClientLimits,
  ) {
    this.current = world;
  }

  get world(): World {
    return this.current;
  }

  get port(): number {
    return this.server.port;
  }

  get rootAddresses(): string[] {
    return zoneAddresses(this.current, this.current.root.nsNames);
  }

  get rootServers(): string[] {
    return this.rootAddresses.map((host) => formatAddress({ host, port: this.port }));
  }

  get expected(): ExpectedTarget[] {
    return (this.expectedCache ??= expectedTargets(this.current, this.limits));
  }

  expectedFor(limits: Partial<ClientLimits>): ExpectedTarget[] {
    return expectedTargets(this.current, { ...this.limits, ...limits });
  }

  connections(address: string): ConnectionStats {
    return this.server.connections(address);
  }

  axfrQueries(zone: string, address: string): number {
    return this.server.axfrQueries(zone, address);
  }

  peakConnections(): number {
    let peak = 0;
    for (const a of this.server.addresses) peak = Math.max(peak, this.server.connections(a).peak);
    return peak;
  }

  peakServing(): number {
    let peak = 0;
    for (const a of this.server.addresses) peak = Math.max(peak, this.server.connections(a).peakServing);
    return peak;
  }

  resetStats(): void {
    this.server.resetStats();
  }

  async mutate(seed: number): Promise<void> {
    const next = mutateWorld(this.current, seed);
    await this.server.configure(servingPlan(next));
    this.current = next;
    this.expectedCache = undefined;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }
}

export async function startLab(options: LabOptions = {}): Promise<Lab> {
  const worldOptions: WorldOptions = { ...options };
  if (options.rootZoneFile !== undefined) worldOptions.rootZoneText = await readFile(options.rootZoneFile, 'latin1');
  const world = createWorld(worldOptions);
  const server = new AuthServer({
    port: options.port ?? 53,
    drip: world.drip,
    outOfZoneRecords: world.outOfZoneRecords,
    tcpIdleMs: options.tcpIdleMs,
    cacheBytes: options.cacheBytes,
    messageBytes: options.messageBytes,
  });
  try {
    await server.configure(servingPlan(world));
  } catch (e) {
    await server.stop();
    throw e;
  }
  return new RunningLab(world, server, { ...DEFAULT_CLIENT_LIMITS, ...options.clientLimits });
}

/** Counts by key, printed `key n` sorted by count (then key). */
function tally(items: Iterable<string>): string {
  const m = new Map<string, number>();
  for (const i of items) m.set(i, (m.get(i) ?? 0) + 1);
  return [...m]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}

/** What `zonelog lab` prints: the root servers, and counts of zones, addresses and behaviours. */
export function labSummary(lab: Lab, suffixListFile?: string): string {
  const w = lab.world;
  const exp = lab.expected;
  const roots = lab.rootAddresses;
  const rootAllow = roots.filter((a) => w.behaviours.get(`. ${a}`) === 'allow');
  const byRole = tally(w.addresses.map((a) => a.role));
  const closed = w.addresses.filter((a) => a.closed).length;
  let records = 0;
  for (const z of w.tlds.values()) records += z.size;
  const behaviours: Behaviour[] = exp.filter((t) => t.zone !== '.').map((t) => t.behaviour);
  const lines = [
    `zonelog lab: seed ${w.seed}, port ${lab.port}${w.epoch ? `, ${w.epoch} mutations` : ''}${w.real ? ', real root zone' : ''}`,
    `root servers: ${lab.rootServers.join(' ')}`,
    `  transfer of "." allowed at: ${rootAllow.length ? rootAllow.join(' ') : 'none'}`,
    `zones: root (serial ${w.root.serial}) + ${w.tlds.size} TLDs, about ${records} TLD records`,
    `addresses: ${w.addresses.length} (${byRole}), ${closed} closed to TCP`,
    `targets: ${exp.length} (zone, server, address); TLD behaviours: ${tally(behaviours)}`,
    `expected outcomes: ${tally(exp.map((t) => t.expected))}`,
    ...silenceLines(w),
  ];
  const below = [...w.tlds.values()].filter((z) => z.designed);
  if (below.length > 0) {
    const kind = (name: string, parent?: string) =>
      name.endsWith('.arpa.') ? 'arpa tree' : !parent ? 'leaking TLD' : w.tlds.get(parent)?.designed ? 'below the leaking TLD' : 'public suffixes';
    lines.push(`below the TLDs: ${tally(below.map((z) => kind(z.name, z.parent)))}`);
  }
  lines.push(
    `scan it: zonelog scan --root ${lab.rootServers.join(',')} --port ${lab.port}${suffixListFile ? ` --suffix-list ${suffixListFile}` : ' --budget psl=0'} --out DIR`,
  );
  return lines.join('\n') + '\n';
}

/** What `zonelog lab` takes beyond the world: how often the world moves on. */
export interface RunLabOptions extends LabOptions {
  /** Advance the world this many times (as the demo does between its scans). */
  rounds?: number;
  /** Milliseconds between two rounds. */
  everyMs?: number;
}

/** The addresses that never answer, the droppers and the latency, when the world has them. */
function silenceLines(w: World): string[] {
  const by = new Map<string, Behaviour[]>();
  for (const [k, b] of w.behaviours) {
    if (k.startsWith('. ')) continue;
    const a = k.slice(k.indexOf(' ') + 1);
    let l = by.get(a);
    if (!l) by.set(a, (l = []));
    l.push(b);
  }
  const silent = [...by.values()].filter((l) => l.length > 1 && l.every((b) => b === 'silent'));
  const lines = [
    `addresses that never answer AXFR: ${silent.length} (${silent.reduce((n, l) => n + l.length, 0)} targets, at most ${Math.max(0, ...silent.map((l) => l.length))} on one)`,
  ];
  if (w.latency?.size) {
    const ms = [...w.latency.values()];
    lines.push(`latency: every response waits ${Math.min(...ms)} to ${Math.max(...ms)} ms, per address`);
  }
  return lines;
}

/**
 * `zonelog lab`: starts the lab, prints the root addresses and the summary, then
 * advances the world `rounds` times, every `everyMs` (serials bump, delegations
 * and servers change: scans in between give history to explore), serves until
 * the signal aborts, stops. 0 when it ran, 2 when it could not start.
 */
export async function runLab(options: RunLabOptions, io: { stdout: Writable; stderr: Writable }, signal: AbortSignal): Promise<number> {
  let lab: Lab;
  try {
    lab = await startLab(options);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const port = options.port ?? 53;
    const why =
      err.code === 'EACCES'
        ? `port ${port} needs privileges here: run as root or pass --port 5300`
        : err.code === 'EADDRINUSE'
          ? `port ${port} is already in use on ${err.message.split(' ').pop()}: pass another --port`
          : err.code === 'EADDRNOTAVAIL'
            ? `a loopback address is not available (${err.message})`
            : err.message;
    io.stderr.write(`zonelog: the lab could not start: ${why}\n`);
    return 2;
  }
  // The lab's own public suffixes, for `zonelog scan --suffix-list` (the shipped list names the real ones).
  let suffixDir: string | undefined;
  if (lab.world.suffixList) {
    suffixDir = mkdtempSync(path.join(os.tmpdir(), 'zonelog-lab-'));
    writeFileSync(path.join(suffixDir, 'suffixes.dat'), lab.world.suffixList);
  }
  io.stdout.write(labSummary(lab, suffixDir && path.join(suffixDir, 'suffixes.dat')));
  const rounds = options.rounds ?? 0;
  const every = options.everyMs ?? 60_000;
  if (rounds > 0)
    io.stdout.write(`the world moves on ${rounds === 1 ? 'once' : `${rounds} times`}, every ${every / 1000} s: scan and publish between the rounds\n`);
  for (let round = 1; round <= rounds && !signal.aborted; round++) {
    if (!(await sleepUnlessAborted(every, signal))) break;
    await lab.mutate((options.seed ?? 1) + round);
    io.stdout.write(`round ${round}/${rounds}: the world moved on (root serial ${lab.world.root.serial}, ${lab.world.tlds.size} TLDs)\n`);
  }
  if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  await lab.stop();
  if (suffixDir) rmSync(suffixDir, { recursive: true, force: true });
  io.stdout.write('zonelog lab: stopped\n');
  return 0;
}

/** Waits `ms`; false when the signal aborted first. */
function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
