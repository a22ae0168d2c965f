/** Builds scan results directories for publish tests, the way `scan` writes them. */
import fs from 'node:fs';
import { afterEach } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { ResultsWriter, type Report, type TargetResult, type TargetOutcome } from '../../src/scan/results.js';
import { normalizeAddress } from '../../src/scan/targets.js';
import type { ExpectedTarget } from '../../src/lab/world.js';

export interface FakeTarget {
  zone: string;
  address: string;
  outcome: TargetOutcome;
  /** Canonical text, for transferred targets. */
  text?: string;
  /** The source that found the zone. */
  source?: string;
}

export function tempDir(prefix = 'zonelog-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A function giving a new temporary folder each call; all are removed after each test. */
export function tempDirsPerTest(): () => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = tempDir();
    dirs.push(d);
    return d;
  };
}

/** A zone's canonical text: SOA with the serial, then the given lines. */
export function zoneText(zone: string, serial: number, lines: string[]): string {
  return (
    [`${zone}\t3600\tIN\tSOA\tns1.${zone === '.' ? '' : zone} hostmaster.${zone === '.' ? '' : zone} ${serial} 7200 3600 1209600 300`, ...lines].join('\n') +
    '\n'
  );
}

export interface FakeReport {
  shard?: { index: number; count: number } | null;
  scanId?: string;
  /** What discovery found per zone; by default every address of the targets. */
  zoneAddresses?: Record<string, string[]>;
}

export async function writeResults(
  dir: string,
  targets: FakeTarget[],
  started = new Date('2026-01-01T00:00:00Z'),
  options: Record<string, unknown> = {},
  extra: FakeReport = {},
): Promise<string> {
  const w = new ResultsWriter(dir);
  const out: TargetResult[] = [];
  for (const t of targets) {
    const base = {
      zone: t.zone,
      address: t.address,
      port: 53,
      nameServers: [t.zone === '.' ? 'a.root-servers.net.' : `ns.${t.zone}`],
      attempts: 1,
      ...(t.source ? { source: t.source as TargetResult['source'] } : {}),
    };
    if (t.outcome === 'transferred') {
      const stored = await w.storeZone([t.text!]);
      const serial = Number(t.text!.split('\n')[0]!.split('\t')[4]!.split(' ')[2]);
      out.push({ ...base, outcome: 'transferred', serial, records: t.text!.trimEnd().split('\n').length, file: stored.file, sha256: stored.sha256 });
    } else out.push({ ...base, outcome: t.outcome, detail: t.outcome });
  }
  const zoneAddresses: Record<string, string[]> = {};
  for (const t of targets) (zoneAddresses[t.zone] ??= []).push(t.address);
  const report: Report = {
    version: 2,
    scanId: extra.scanId ?? 'test-scan',
    started: started.toISOString(),
    finished: started.toISOString(),
    options: { dnssec: false, ...options },
    shard: extra.shard ?? null,
    discovery: {},
    zoneAddresses: extra.zoneAddresses ?? zoneAddresses,
    targets: out,
  };
  await w.writeReport(report);
  return dir;
}

/** Every way a scan's report differs from what the lab expects (missing, outcome, serial, records): empty when none. */
export function mismatches(report: Report, expected: readonly ExpectedTarget[]): string[] {
  const byKey = new Map(report.targets.map((t) => [`${t.zone} ${normalizeAddress(t.address)}`, t]));
  const wrong: string[] = [];
  for (const e of expected) {
    const t = byKey.get(`${e.zone} ${normalizeAddress(e.address)}`);
    if (!t) {
      wrong.push(`${e.zone} ${e.address} missing`);
      continue;
    }
    if (!t.nameServers.includes(e.nsName)) wrong.push(`${e.zone} ${e.address} lacks NS ${e.nsName}`);
    if (t.outcome !== e.expected) wrong.push(`${e.zone} ${e.address} (${e.behaviour}): ${t.outcome}, expected ${e.expected} — ${t.detail ?? ''}`);
    if (e.expected === 'transferred') {
      if (t.serial !== e.serial) wrong.push(`${e.zone} ${e.address}: serial ${t.serial}, expected ${e.serial}`);
      if (e.records !== undefined && t.records !== e.records) wrong.push(`${e.zone} ${e.address}: ${t.records} records, expected ${e.records}`);
      if (e.outOfZone !== undefined && (t.counts?.outOfZone ?? 0) !== e.outOfZone)
        wrong.push(`${e.zone} ${e.address}: ${t.counts?.outOfZone} out-of-zone, expected ${e.outOfZone}`);
    }
  }
  return wrong;
}
