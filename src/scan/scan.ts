/**
 * `zonelog scan` (DESIGN §1, §6): discovery, then one transfer per target under
 * the scheduler's limits, into a results directory. It touches nothing else.
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { formatAddress, type ServerAddress } from '../dns/address.js';
import { transfer, type TransferResult } from '../axfr/transfer.js';
import type { TransferLimits } from '../axfr/limits.js';
import {
  addDelegationTargets, delegationsByQuery, delegationsFromZoneText, resolveGlueless, type Delegations, type ResolveReport,
} from './discovery.js';
import { textToName } from '../dns/name.js';
import { describeFailure, isTransient, type Outcome } from '../axfr/outcome.js';
import { Resolver } from './resolver.js';
import { REPORT_VERSION, ResultsWriter, type Report, type TargetResult } from './results.js';
import { randomUUID } from 'node:crypto';
import { schedule, type Attempt } from './scheduler.js';
import { TargetSet, normalizeAddress, selectTargets, type Exclusions, type Family, type Shard, type Target } from './targets.js';

export interface ScanOptions {
  /** Root server addresses to transfer "." from and to start resolution at. */
  roots: ServerAddress[];
  /** Port for every address learnt from DNS data. */
  port: number;
  /** Extra zones below the TLDs (presentation form). */
  zones: string[];
  /** TLDs to ask for when no root server allows a transfer. */
  fallbackZones: string[];
  shard?: Shard;
  family: Family;
  exclusions: Exclusions;
  concurrency: number;
  perAddress: number;
  limits: TransferLimits;
  /** Milliseconds for the whole scan, transfers in flight included: what is left then is skipped. */
  deadlineMs?: number;
  /** The first-byte timeout at an address not heard from yet (default: the smaller of SHORT_TIMEOUT_MS and the timeouts). */
  shortTimeoutMs?: number;
  dnssec: boolean;
  memoryBudget: number;
  out: string;
  /** The same for every shard of one scan (the CI run); a new one when not given. */
  scanId?: string;
  progress?: ScanProgress;
}

export interface ScanProgress {
  phase(text: string): void;
  start(total: number): void;
  result(r: TargetResult): void;
  finish(report: Report): void;
}

/**
 * The first-byte timeout at an address that has not answered yet, ms: several round
 * trips to the far side of the world (connection and query), a lost SYN included.
 */
export const SHORT_TIMEOUT_MS = 2000;

export async function scan(o: ScanOptions): Promise<Report> {
  const started = new Date();
  // The deadline bounds everything from here on, transfers in flight included.
  const deadline = new AbortController();
  const deadlineTimer = o.deadlineMs !== undefined ? setTimeout(() => deadline.abort(), o.deadlineMs) : undefined;
  try {
    return await scanUntil(o, started, deadline.signal);
  } finally {
    clearTimeout(deadlineTimer);
  }
}

async function scanUntil(o: ScanOptions, started: Date, deadline: AbortSignal): Promise<Report> {
  const writer = new ResultsWriter(o.out);
  const results = new Map<string, TargetResult>();
  const ipv6Route = await hasIpv6Route();

  const runTarget = async (t: Target, attempt?: Attempt): Promise<TransferResult> => {
    if (familyUnreachable(t.address, ipv6Route)) {
      return { outcome: { kind: 'unreachable', detail: 'this machine has no IPv6 route', messages: 0, bytes: 0, durationMs: 0 } };
    }
    return transfer({
      zone: textToName(t.zone),
      server: { host: t.address, port: portOf(t, o) },
      limits: o.limits,
      dnssec: o.dnssec,
      memoryBudget: o.memoryBudget,
      signal: deadline,
      firstByteTimeoutMs: attempt?.firstByteTimeoutMs,
      onFirstByte: attempt?.firstByte,
    });
  };

  const record = async (t: Target, r: TransferResult, attempts: number): Promise<void> => {
    const res = await toTargetResult(t, r, attempts, portOf(t, o), writer);
    results.set(keyOf(t), res);
    o.progress?.result(res);
  };
  const skip = (t: Target, detail: string, attempts: number, stats?: { bytes: number; durationMs: number }) => {
    const res: TargetResult = { zone: t.zone, address: t.address, port: portOf(t, o), nameServers: t.nameServers, outcome: 'skipped', attempts, detail, ...stats };
    results.set(keyOf(t), res);
    o.progress?.result(res);
  };

  // 1. The root zone, from the first root server that allows it, for discovery.
  o.progress?.phase('transferring the root zone');
  const rootTargets = new TargetSet();
  for (const r of o.roots) rootTargets.add('.', r.host);
  let rootText: string | undefined;
  let rootFrom: string | undefined;
  const discoveryAttempts: { address: string; outcome: string }[] = [];
  // Whether any root server said anything (a transfer, a refusal, an answer to a query).
  let rootAnswered = false;
  for (const t of rootTargets.list()) {
    if (o.exclusions.addresses.has(normalizeAddress(t.address))) continue;
    if (deadline.aborted) break;
    const r = await runTarget(t);
    discoveryAttempts.push({ address: formatAddress({ host: t.address, port: portOf(t, o) }), outcome: r.outcome.kind });
    if (r.outcome.bytes > 0) rootAnswered = true;
    // Reused as this target's result when the target is in our selection (a cut one is tried again).
    const selected = selectTargets([t], { exclusions: o.exclusions, family: o.family, shard: o.shard }).length > 0;
    if (r.zone) {
      const res = await toTargetResult(t, r, 1, portOf(t, o), writer);
      rootText = fs.readFileSync(path.join(o.out, res.file!), 'latin1');
      rootFrom = t.address;
      if (selected) results.set(keyOf(t), res);
      break;
    }
    if (selected && r.outcome.kind !== 'aborted') results.set(keyOf(t), await toTargetResult(t, r, 1, portOf(t, o), writer));
  }

  // 2. Delegations: from the root zone, else by asking the root servers.
  o.progress?.phase('discovering name servers');
  const resolver = new Resolver({ roots: o.roots, timeoutMs: Math.min(o.limits.idleTimeoutMs, 3000) });
  let delegations: Delegations;
  const discovery: Record<string, unknown> = { rootAttempts: discoveryAttempts };
  if (rootText !== undefined) {
    delegations = delegationsFromZoneText(rootText, '.').delegations;
    discovery.source = 'root-axfr';
    discovery.rootFrom = rootFrom;
  } else if (deadline.aborted) {
    delegations = new Map();
    discovery.source = 'none: the deadline passed';
  } else {
    const found = await untilAborted(delegationsByQuery(o.fallbackZones, resolver), deadline, { delegations: new Map(), notFound: o.fallbackZones });
    delegations = found.delegations;
    discovery.source = 'ns-queries';
    discovery.notFound = found.notFound;
    // A delegation found means a root server answered a query.
    if (delegations.size > 0) rootAnswered = true;
  }
  discovery.rootAnswered = rootAnswered;
  discovery.zonesFound = delegations.size;
  discovery.resolution = await untilAborted<ResolveReport | string>(resolveGlueless(delegations, resolver), deadline, 'cut by the deadline');
  if (o.zones.length > 0) {
    const wanted = o.zones.filter((z) => !delegations.has(z));
    const extra = await untilAborted(delegationsByQuery(wanted, resolver), deadline, { delegations: new Map(), notFound: wanted });
    for (const [z, ns] of extra.delegations) delegations.set(z, ns);
    discovery.extraZonesNotFound = extra.notFound;
  }
  discovery.zones = delegations.size + 1;
  discovery.resolverQueries = resolver.queries;

  const all = new TargetSet();
  for (const t of rootTargets.list()) all.add(t.zone, t.address);
  // The root servers as the root zone names them (apex NS and their glue) are targets for "." too.
  if (rootText !== undefined) {
    const { apexNs, glue } = delegationsFromZoneText(rootText, '.');
    for (const name of apexNs) for (const a of glue.get(name) ?? []) all.add('.', a, name);
  }
  addDelegationTargets(all, delegations);
  const targets = selectTargets(all.list(), { exclusions: o.exclusions, family: o.family, shard: o.shard });
  const pending = targets.filter((t) => !results.has(keyOf(t)));

  // 3. Every target, politely, learning per address (src/scan/scheduler.ts).
  o.progress?.start(targets.length);
  for (const t of targets) {
    const done = results.get(keyOf(t));
    if (done) o.progress?.result(done);
  }
  await schedule<Target, TransferResult>(pending, {
    concurrency: o.concurrency,
    perAddress: o.perAddress,
    signal: deadline,
    shortTimeoutMs: o.shortTimeoutMs ?? Math.min(SHORT_TIMEOUT_MS, o.limits.idleTimeoutMs, o.limits.connectTimeoutMs),
    addressOf: (t) => normalizeAddress(t.address),
    run: (t, attempt) => runTarget(t, attempt),
    answered: (r) => r.outcome.bytes > 0 || !SILENT_KINDS.has(r.outcome.kind),
    silent: (r) => r.outcome.kind === 'timeout' && r.outcome.bytes === 0,
    // A timeout is never tried again: the scheduler gives silence its full wait once.
    transient: (r) => isTransient(r.outcome.kind) && r.outcome.kind !== 'timeout',
    done: (t, r, attempts) => record(t, r, attempts),
    skipped: async (t, last, attempts) => {
      if (last?.outcome.kind === 'aborted') {
        last.zone?.dispose();
        skip(t, `the scan deadline cut this transfer: ${last.outcome.detail}`, attempts, { bytes: last.outcome.bytes, durationMs: last.outcome.durationMs });
      } else if (last) await record(t, last, attempts);
      else skip(t, 'the scan deadline passed before this target started', 0);
    },
  });
  // Root targets cut in discovery and never tried again.
  for (const t of targets) if (!results.has(keyOf(t))) skip(t, 'the scan deadline passed before this target started', 0);

  // What discovery found per zone, before exclusions, --family and sharding: what lets
  // publish tell an address that left a zone from one this scan did not ask.
  const zoneAddresses: Record<string, string[]> = {};
  for (const t of all.list()) (zoneAddresses[t.zone] ??= []).push(normalizeAddress(t.address));
  const report: Report = {
    version: REPORT_VERSION,
    scanId: o.scanId ?? randomUUID(),
    started: started.toISOString(),
    finished: new Date().toISOString(),
    options: {
      roots: o.roots.map(formatAddress),
      port: o.port,
      zones: o.zones,
      family: o.family,
      dnssec: o.dnssec,
      concurrency: o.concurrency,
      perAddress: o.perAddress,
      excludedZones: [...o.exclusions.zones].sort(),
      excludedAddresses: [...o.exclusions.addresses].sort(),
    },
    shard: o.shard ?? null,
    discovery,
    zoneAddresses,
    targets: targets.map((t) => ({ ...results.get(keyOf(t))!, nameServers: t.nameServers })),
  };
  await writer.writeReport(report);
  o.progress?.finish(report);
  return report;
}

/** Outcomes in which the server said nothing (a DNS message or a TCP answer is something). */
const SILENT_KINDS = new Set<Outcome['kind']>(['timeout', 'unreachable', 'aborted']);

/** What went wrong in discovery, in one sentence; undefined when it found zones. */
export function discoveryFailure(report: Report): string | undefined {
  const d = report.discovery;
  const tried = Array.isArray(d.rootAttempts) ? d.rootAttempts.length : 0;
  if (d.rootAnswered === false) {
    if (tried === 0) return 'no root server was tried (every --root address is excluded or the deadline passed first)';
    return `no root server answered (${tried} addresses tried); check --root, --port and the network`;
  }
  if (d.zonesFound === 0) return 'discovery found no zone: the root servers answered but delegated nothing (no root server allows transfer and no zone list was found, see --zones)';
  return undefined;
}

/** The promise's value, or `cut` once the signal aborts (the work goes on unheard). */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal, cut: T): Promise<T> {
  if (signal.aborted) return Promise.resolve(cut);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => resolve(cut);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function keyOf(t: Target): string {
  return `${t.zone} ${normalizeAddress(t.address)}`;
}

/** `--port` applies to every address, except a `--root ADDR:PORT` given with its own port. */
function portOf(t: Target, o: ScanOptions): number {
  if (t.zone === '.') {
    const root = o.roots.find((r) => normalizeAddress(r.host) === normalizeAddress(t.address));
    if (root) return root.port;
  }
  return o.port;
}

async function toTargetResult(t: Target, r: TransferResult, attempts: number, port: number, writer: ResultsWriter): Promise<TargetResult> {
  const base = { zone: t.zone, address: t.address, port, nameServers: t.nameServers, attempts };
  const o: Outcome = r.outcome;
  const stats = { bytes: o.bytes, durationMs: o.durationMs };
  if (r.zone) {
    try {
      const stored = await writer.storeZone(r.zone.byteChunks());
      return { ...base, outcome: 'transferred', serial: r.outcome.serial, records: r.zone.written, ...stats, file: stored.file, sha256: stored.sha256, counts: r.outcome.counts };
    } finally {
      r.zone.dispose();
    }
  }
  if (o.kind === 'transferred') throw new Error('unreachable');
  const where = formatAddress({ host: t.address, port });
  return { ...base, outcome: o.kind, detail: describeFailure(o, where), ...('rcodeName' in o ? { rcode: o.rcodeName } : {}), ...stats };
}

/** IPv6 targets outside loopback end at once when the machine has no IPv6 route (GitHub runners). */
function familyUnreachable(address: string, ipv6Route: boolean): boolean {
  return !ipv6Route && net.isIPv6(address) && normalizeAddress(address) !== '::1';
}

/** Whether a global IPv6 address is routable from here; a UDP connect sends no packet. */
export function hasIpv6Route(): Promise<boolean> {
  return new Promise((resolve) => {
    let s: dgram.Socket;
    try {
      s = dgram.createSocket('udp6');
    } catch {
      return resolve(false);
    }
    s.on('error', () => {
      s.close();
      resolve(false);
    });
    s.connect(53, '2001:500:2f::f', (err?: Error) => {
      s.close();
      resolve(!err);
    });
  });
}
