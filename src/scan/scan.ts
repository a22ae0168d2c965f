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
import { addDelegationTargets, delegationsFromZoneText, resolveGlueless, type Delegations } from './discovery.js';
import { compareCanonical, textToName } from '../dns/name.js';
import { describeFailure, isTransient, type Outcome } from '../axfr/outcome.js';
import { Resolver } from './resolver.js';
import { REPORT_VERSION, ResultsWriter, type Report, type TargetResult } from './results.js';
import { randomUUID } from 'node:crypto';
import { startSchedule, type Attempt } from './scheduler.js';
import { TargetSet, inShard, normalizeAddress, selectTargets, type Exclusions, type Family, type Shard, type Target } from './targets.js';
import { arpaSource } from './sources/arpa.js';
import { BUDGET_ORDER, Budget, type Budgets } from './sources/budget.js';
import { ZoneCuts } from './sources/cuts.js';
import { LEAKED_MAX_ROUNDS, leakedChildren, type LeakedChildren } from './sources/leaked.js';
import { pslSource } from './sources/psl.js';
import { listSource } from './sources/list.js';
import { rootSource } from './sources/root.js';
import { attribute, untilAborted, type Found, type SourceContext, type SourceName } from './sources/source.js';

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
  /** Sources below the TLDs and budgets (the README's "Sources of zones"); without it, the root, its TLDs and `zones` only. */
  sources?: SourceOptions;
}

export interface SourceOptions {
  /** Public suffixes to check for zone cuts (src/scan/sources/psl.ts). */
  suffixes: readonly string[];
  /** Children of a leaked zone are tried when it has at most this many delegations; 0: never. */
  leakedMaxDelegations: number;
  budgets: Budgets;
}

/** What a scan covered before the sources below the TLDs: the root, the TLDs and the zones listed by hand. */
const ROOT_AND_LIST_ONLY: SourceOptions = {
  suffixes: [],
  leakedMaxDelegations: 0,
  budgets: { run: Infinity, root: Infinity, list: Infinity, arpa: 0, psl: 0, leaked: 0 },
};

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
const SHORT_TIMEOUT_MS = 2000;

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

  // Every transfer of the scan, discovery's included, goes through one schedule (src/scan/scheduler.ts):
  // one limit per address holds for all of them, and the targets of each source join it as soon
  // as the source has them, while the others still ask.
  const src = o.sources ?? ROOT_AND_LIST_ONLY;
  const excludedAddress = (a: string) => o.exclusions.addresses.has(normalizeAddress(a));
  const resolver = new Resolver({ roots: o.roots, timeoutMs: Math.min(o.limits.idleTimeoutMs, 3000), excluded: excludedAddress });
  const readText = (res: TargetResult) => fs.readFileSync(path.join(o.out, res.file!), 'latin1');
  const leakedOn = src.leakedMaxDelegations > 0 && src.budgets.leaked > 0;
  const leakedOf = new Map<string, LeakedChildren>();
  const prefetch = new Prefetch(resolver, PREFETCH_AT_ONCE);
  /** A small zone's delegations, once per file; their glue-less name servers resolved ahead while transfers run. */
  const childrenOf = (zone: string, res: TargetResult): LeakedChildren => {
    let c = leakedOf.get(res.file!);
    if (!c) {
      c = leakedChildren(path.join(o.out, res.file!), zone, src.leakedMaxDelegations);
      leakedOf.set(res.file!, c);
      if (c.kind === 'children') for (const ns of c.delegations.values()) for (const [name, addrs] of ns) if (addrs.length === 0) prefetch.add(name);
    }
    return c;
  };
  const waiters = new Map<string, { resolve: (r: TargetResult) => void; reject: (e: unknown) => void }[]>();
  const scheduled = new Set<string>();
  let total = 0;
  const settled = (t: Target, res: TargetResult) => {
    const key = keyOf(t);
    results.set(key, res);
    o.progress?.result(res);
    if (leakedOn && res.outcome === 'transferred' && res.file && !deadline.aborted) childrenOf(t.zone, res);
    const ws = waiters.get(key);
    waiters.delete(key);
    for (const w of ws ?? []) w.resolve(res);
  };
  const record = async (t: Target, r: TransferResult, attempts: number): Promise<void> => {
    settled(t, await toTargetResult(t, r, attempts, portOf(t, o), writer));
  };
  const skip = (t: Target, detail: string, attempts: number, stats?: { bytes: number; durationMs: number }) => {
    settled(t, { zone: t.zone, address: t.address, port: portOf(t, o), nameServers: t.nameServers, outcome: 'skipped', attempts, detail, ...stats });
  };
  const transfers = startSchedule<Target, TransferResult>({
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
        skip(t, `the scan deadline cut this transfer: ${last.outcome.detail}`, attempts, {
          bytes: last.outcome.bytes,
          durationMs: last.outcome.durationMs,
        });
      } else if (last) await record(t, last, attempts);
      else skip(t, 'the scan deadline passed before this target started', 0);
    },
  });
  transfers.done.catch((e: unknown) => {
    for (const ws of waiters.values()) for (const w of ws) w.reject(e);
    waiters.clear();
  });
  /** Hands targets to the schedule (each once); `first`: ahead of the others at their addresses. */
  const submit = (list: readonly Target[], first = false) => {
    const fresh = list.filter((t) => {
      const key = keyOf(t);
      if (scheduled.has(key)) return false;
      scheduled.add(key);
      return true;
    });
    if (fresh.length === 0) return;
    total += fresh.length;
    o.progress?.start(total);
    transfers.add(fresh, first);
  };
  /** The target's result, once it has one. */
  const resultOf = (t: Target): Promise<TargetResult> => {
    const done = results.get(keyOf(t));
    if (done) return Promise.resolve(done);
    return new Promise((resolve, reject) => {
      const key = keyOf(t);
      const ws = waiters.get(key) ?? [];
      ws.push({ resolve, reject });
      waiters.set(key, ws);
    });
  };

  const discoveryTransfers: { zone: string; address: string; outcome: string }[] = [];
  // Discovery's transfers are the results of their targets too (no address is asked twice), ahead of the
  // rest: every address of the zone at once, the first that gives the zone wins.
  const transferText = async (zone: string, addresses: readonly string[]): Promise<{ text: string; from: string } | undefined> => {
    if (o.exclusions.zones.has(zone) || deadline.aborted) return undefined;
    const asked = [...new Set(addresses.map(normalizeAddress))]
      .filter((a) => !excludedAddress(a))
      .map((address): Target => ({ zone, address, nameServers: [] }));
    submit(asked, true);
    const pending = asked.map((t) =>
      resultOf(t).then((res) => {
        discoveryTransfers.push({ zone, address: formatAddress({ host: t.address, port: portOf(t, o) }), outcome: res.outcome });
        return res;
      }),
    );
    const res = await firstTransferred(pending);
    return res ? { text: readText(res), from: res.address } : undefined;
  };

  // Milliseconds per stage, for the report (it holds timestamps already; the archive holds none).
  // Stages overlap: the sources below the TLDs ask while the TLDs' transfers run.
  const phasesMs: Record<string, number> = {};
  const began = Date.now();
  const phaseDone = (name: string, since = began) => {
    phasesMs[name] = Date.now() - since;
  };

  // 1. The root zone, from whichever root server allows it first: all are asked at once
  // (each is a target of the scan too).
  o.progress?.phase('transferring the root zone');
  const rootTargets = new TargetSet();
  for (const r of o.roots) if (!excludedAddress(r.host)) rootTargets.add('.', r.host);
  const asked = rootTargets.list();
  submit(asked, true);
  const root = await firstTransferred(asked.map(resultOf));
  const rootText = root ? readText(root) : undefined;
  // Whether any root server said anything (a transfer, a refusal, an answer to a query).
  const rootResults = () => asked.map((t) => results.get(keyOf(t))).filter((r): r is TargetResult => r !== undefined);
  const rootTransferAnswered = rootResults().some((r) => (r.bytes ?? 0) > 0);

  // 2. Delegations: from the root zone, else by asking the root servers (src/scan/sources/root.ts).
  o.progress?.phase('discovering name servers');
  const rootStage = await rootSource(
    root && rootText !== undefined ? { text: rootText, from: root.address } : undefined,
    rootTransferAnswered,
    o.fallbackZones,
    resolver,
    deadline,
  );
  const discovery: Record<string, unknown> = { ...rootStage.report };
  const delegations = rootStage.found.delegations;
  const rootAnswered = rootStage.report.rootAnswered;

  // The root and its TLDs are targets at once; `arpa.` waits for the arpa source, which claims it (sources/source.ts).
  const rootFound = rootStage.found;
  const all = new TargetSet();
  for (const t of asked) all.add(t.zone, t.address);
  // The root servers as the root zone names them (apex NS and their glue) are targets for "." too.
  if (rootText !== undefined) {
    const { apexNs, glue } = delegationsFromZoneText(rootText, '.');
    for (const name of apexNs) for (const a of glue.get(name) ?? []) all.add('.', a, name);
  }
  // Below the root only when a root server answered: the sources ask the servers it named.
  const arpaRuns = src.budgets.arpa > 0 && rootAnswered;
  const pslRuns = src.budgets.psl > 0 && src.suffixes.length > 0 && rootAnswered;
  const budget = new Budget(src.budgets);
  const first = attribute([rootFound]);
  first.sourceOf.set('.', 'root');
  if (arpaRuns) first.delegations.delete('arpa.');
  addDelegationTargets(all, first.delegations);
  const firstTargets = withinBudget(all.list(), first.sourceOf, budget, o, true);
  submit(firstTargets);
  phaseDone('root');

  // 3. The other sources, at once, while those transfers run.
  const found: Found[] = [rootFound];
  const cuts = new ZoneCuts(resolver, o.port, excludedAddress);
  cuts.knowServers('.', o.roots);
  for (const [zone, ns] of delegations) cuts.know(zone, ns);
  const ctx: SourceContext = { resolver, cuts, exclusions: o.exclusions, transferText };
  const sourceReports: Record<string, unknown> = {};
  const stages: Promise<void>[] = [];
  if (o.zones.length > 0) {
    stages.push(
      (async () => {
        const list = await listSource(o.zones, delegations, resolver, deadline);
        found.push(list.found);
        discovery.extraZonesNotFound = list.notFound;
      })(),
    );
  }
  if (arpaRuns) {
    o.progress?.phase('discovering the arpa tree');
    stages.push(
      (async () => {
        const t = Date.now();
        const arpa = await arpaSource(ctx, delegations.get('arpa.'));
        found.push(arpa.found);
        sourceReports.arpa = arpa.report;
        phaseDone('arpa', t);
      })(),
    );
  }
  if (pslRuns) {
    o.progress?.phase(`asking which of ${src.suffixes.length} public suffixes are zones`);
    stages.push(
      (async () => {
        const t = Date.now();
        const psl = await pslSource(ctx, src.suffixes);
        found.push(psl.found);
        sourceReports.psl = psl.report;
        phaseDone('psl', t);
      })(),
    );
  }
  await untilAborted(Promise.all(stages), deadline, []);
  const attributed = attribute(found);
  const sourceOf = attributed.sourceOf;
  sourceOf.set('.', 'root');
  addDelegationTargets(all, attributed.delegations);
  const firstZones = new Set([...first.delegations.keys(), '.']);
  const targets = [
    ...firstTargets,
    ...withinBudget(
      all.list().filter((t) => !firstZones.has(t.zone)),
      sourceOf,
      budget,
      o,
      true,
    ),
  ];
  submit(targets);
  discovery.zones = attributed.delegations.size + 1;

  // 4. The delegations of the small zones that leaked, round by round once the zones before them are done.
  await Promise.all(targets.map(resultOf));
  phaseDone('transfers');
  if (leakedOn) {
    const t0 = Date.now();
    const leaked: Record<string, unknown>[] = [];
    const followed = new Set<string>();
    let phase = targets;
    for (let round = 1; round <= LEAKED_MAX_ROUNDS && phase.length > 0 && !deadline.aborted; round++) {
      const children: Delegations = new Map();
      for (const zone of transferredZones(phase, results)) {
        if (followed.has(zone.zone)) continue;
        followed.add(zone.zone);
        const c = childrenOf(zone.zone, zone.result);
        if (c.kind === 'too-many') leaked.push({ zone: zone.zone, delegations: `more than ${c.atLeast - 1}`, followed: false });
        if (c.kind !== 'children') continue;
        leaked.push({ zone: zone.zone, delegations: c.delegations.size, followed: true });
        for (const [child, ns] of c.delegations) if (!sourceOf.has(child) && !children.has(child)) children.set(child, ns);
      }
      if (children.size === 0) break;
      o.progress?.phase(`trying ${children.size} zones delegated by leaked zones`);
      for (const z of children.keys()) sourceOf.set(z, 'leaked');
      // Not sliced by --shard: only a shard that saw the leak knows these; publish counts each target once.
      // Their glue-less names were resolved ahead while transfers ran (the resolver keeps each lookup).
      await untilAborted(resolveGlueless(children, resolver, PREFETCH_AT_ONCE), deadline, undefined);
      const set = new TargetSet();
      addDelegationTargets(set, children);
      phase = withinBudget(set.list(), sourceOf, budget, o, false);
      targets.push(...phase);
      submit(phase);
      await Promise.all(phase.map(resultOf));
    }
    phaseDone('leaked', t0);
    sourceReports.leaked = { zones: leaked };
  }
  transfers.close();
  await transfers.done;
  prefetch.stop();
  discovery.rootAttempts = rootResults().map((r) => ({ address: formatAddress({ host: r.address, port: r.port }), outcome: r.outcome }));
  discovery.discoveryTransfers = discoveryTransfers.sort((a, b) => (a.zone === b.zone ? cmpText(a.address, b.address) : cmpText(a.zone, b.zone)));
  discovery.resolverQueries = resolver.queries;
  discovery.addressesAsked = [...resolver.asked].map(normalizeAddress).sort();
  discovery.zoneCutQuestions = cuts.questions;
  discovery.sources = sourceReports;
  discovery.phasesMs = phasesMs;
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
      leakedMaxDelegations: src.leakedMaxDelegations,
      suffixes: src.suffixes.length,
    },
    shard: o.shard ?? null,
    discovery,
    zoneAddresses,
    sources: budget.report(),
    targets: targets.map((t) => ({ ...results.get(keyOf(t))!, nameServers: t.nameServers, source: sourceOf.get(t.zone) ?? 'root' })),
  };
  await writer.writeReport(report);
  o.progress?.finish(report);
  return report;
}

/**
 * The targets whose zones fit the budgets, zone by zone in the budgets' order (source, then
 * canonical order), counted after exclusions and the address family and before `--shard`.
 */
function withinBudget(all: Target[], sourceOf: Map<string, SourceName>, budget: Budget, o: ScanOptions, shard: boolean): Target[] {
  const byZone = new Map<string, Target[]>();
  for (const t of selectTargets(all, { exclusions: o.exclusions, family: o.family })) {
    const list = byZone.get(t.zone) ?? [];
    list.push(t);
    byZone.set(t.zone, list);
  }
  const rank = (z: string) => BUDGET_ORDER.indexOf(sourceOf.get(z) ?? 'root');
  const zones = [...byZone.keys()].map((z) => ({ z, name: textToName(z) }));
  zones.sort((a, b) => rank(a.z) - rank(b.z) || compareCanonical(a.name, b.name));
  const kept: Target[] = [];
  for (const { z } of zones) {
    const list = byZone.get(z)!;
    if (budget.take(z, sourceOf.get(z) ?? 'root', list.length)) kept.push(...list);
  }
  return shard && o.shard ? kept.filter((t) => inShard(t, o.shard!)) : kept;
}

/** Zones transferred in these targets, each with the result of the first target that gave it. */
function transferredZones(targets: Target[], results: Map<string, TargetResult>): { zone: string; result: TargetResult }[] {
  const out = new Map<string, TargetResult>();
  for (const t of targets) {
    const r = results.get(keyOf(t));
    if (r?.outcome === 'transferred' && r.file && !out.has(t.zone)) out.set(t.zone, r);
  }
  return [...out].map(([zone, result]) => ({ zone, result }));
}

/** The first of these results that holds a zone; undefined when none does. */
function firstTransferred(pending: Promise<TargetResult>[]): Promise<TargetResult | undefined> {
  return new Promise((resolve, reject) => {
    let left = pending.length;
    if (left === 0) resolve(undefined);
    for (const p of pending) {
      p.then((r) => {
        if (r.file) resolve(r);
        else if (--left === 0) resolve(undefined);
      }, reject);
    }
  });
}

/** Names resolved ahead at once. */
const PREFETCH_AT_ONCE = 64;

/** Resolves names ahead, a few at a time, into the resolver's cache (which keeps what each lookup found). */
class Prefetch {
  private readonly names: string[] = [];
  private readonly seen = new Set<string>();
  private running = 0;
  private stopped = false;

  constructor(
    private readonly resolver: Resolver,
    private readonly atOnce: number,
  ) {}

  add(name: string): void {
    if (this.stopped || this.seen.has(name)) return;
    this.seen.add(name);
    this.names.push(name);
    this.next();
  }

  stop(): void {
    this.stopped = true;
    this.names.length = 0;
  }

  private next(): void {
    while (this.running < this.atOnce && this.names.length > 0) {
      const name = this.names.shift()!;
      this.running++;
      void this.resolver
        .addresses(textToName(name))
        .catch(() => [])
        .finally(() => {
          this.running--;
          this.next();
        });
    }
  }
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
  if (d.zonesFound === 0)
    return 'discovery found no zone: the root servers answered but delegated nothing (no root server allows transfer and no zone list was found, see --zones)';
  return undefined;
}

function cmpText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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
      return {
        ...base,
        outcome: 'transferred',
        serial: r.outcome.serial,
        records: r.zone.written,
        ...stats,
        file: stored.file,
        sha256: stored.sha256,
        counts: r.outcome.counts,
      };
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
function hasIpv6Route(): Promise<boolean> {
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
