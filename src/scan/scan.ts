/**
 * `zonelog scan` (docs/architecture.md §1, §6): discovery, then one transfer per target under
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
  addDelegationTargets, delegationsByQuery, delegationsFromZoneText, resolveGlueless, type Delegations,
} from './discovery.js';
import { textToName } from '../dns/name.js';
import { describeFailure, isTransient, type Outcome } from '../axfr/outcome.js';
import { Resolver } from './resolver.js';
import { REPORT_VERSION, ResultsWriter, type Report, type TargetResult } from './results.js';
import { randomUUID } from 'node:crypto';
import { schedule } from './scheduler.js';
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
  /** Milliseconds for the whole scan; what is left then is skipped. */
  deadlineMs?: number;
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

export async function scan(o: ScanOptions): Promise<Report> {
  const started = new Date();
  const deadline = o.deadlineMs !== undefined ? started.getTime() + o.deadlineMs : undefined;
  const writer = new ResultsWriter(o.out);
  const results = new Map<string, TargetResult>();
  const ipv6Route = await hasIpv6Route();

  const runTarget = async (t: Target): Promise<TransferResult> => {
    if (familyUnreachable(t.address, ipv6Route)) {
      return { outcome: { kind: 'unreachable', detail: 'this machine has no IPv6 route', messages: 0, bytes: 0, durationMs: 0 } };
    }
    return transfer({
      zone: textToName(t.zone),
      server: { host: t.address, port: portOf(t, o) },
      limits: o.limits,
      dnssec: o.dnssec,
      memoryBudget: o.memoryBudget,
    });
  };

  const record = async (t: Target, r: TransferResult, attempts: number): Promise<void> => {
    const res = await toTargetResult(t, r, attempts, portOf(t, o), writer);
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
  for (const t of rootTargets.list()) {
    if (o.exclusions.addresses.has(normalizeAddress(t.address))) continue;
    const r = await runTarget(t);
    discoveryAttempts.push({ address: formatAddress({ host: t.address, port: portOf(t, o) }), outcome: r.outcome.kind });
    if (r.zone) {
      const res = await toTargetResult(t, r, 1, portOf(t, o), writer);
      rootText = fs.readFileSync(path.join(o.out, res.file!), 'latin1');
      rootFrom = t.address;
      // Reused as this target's result when the target is in our selection.
      if (selectTargets([t], { exclusions: o.exclusions, family: o.family, shard: o.shard }).length) results.set(keyOf(t), res);
      break;
    }
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
  } else {
    const found = await delegationsByQuery(o.fallbackZones, resolver);
    delegations = found.delegations;
    discovery.source = 'ns-queries';
    discovery.notFound = found.notFound;
  }
  discovery.resolution = await resolveGlueless(delegations, resolver);
  if (o.zones.length > 0) {
    const extra = await delegationsByQuery(o.zones.filter((z) => !delegations.has(z)), resolver);
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

  // 3. Every target, politely.
  const answering = new Set<string>();
  o.progress?.start(targets.length);
  for (const t of targets) {
    const done = results.get(keyOf(t));
    if (done) o.progress?.result(done);
  }
  await schedule<Target, TransferResult>(pending, {
    concurrency: o.concurrency,
    perAddress: o.perAddress,
    deadline,
    addressOf: (t) => normalizeAddress(t.address),
    run: (t) => runTarget(t),
    // A timeout is worth a second try only from an address that has not answered yet:
    // one that answers other queries and stays silent for this zone is dropping it on purpose.
    transient: (r, t) => isTransient(r.outcome.kind) && !(r.outcome.kind === 'timeout' && answering.has(normalizeAddress(t.address))),
    done: async (t, r, attempts) => {
      if (!isTransient(r.outcome.kind)) answering.add(normalizeAddress(t.address));
      await record(t, r, attempts);
    },
    skipped: async (t, last, attempts) => {
      if (last) await record(t, last, attempts);
      else {
        const res: TargetResult = { zone: t.zone, address: t.address, port: portOf(t, o), nameServers: t.nameServers, outcome: 'skipped', attempts: 0, detail: 'the scan deadline passed before this target started' };
        results.set(keyOf(t), res);
        o.progress?.result(res);
      }
    },
  });

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
