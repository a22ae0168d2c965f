/**
 * A scan's results directory (docs/architecture.md §6.5): `report.json` and, for every
 * transferred (zone, address), its canonical text under `zones/`, named by the
 * SHA-256 of its bytes so that identical transfers are stored once.
 *
 * report.json is written last and atomically; a directory without it is an
 * unfinished scan that `publish` refuses.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { tempPathFor, writeAtomic, type Written } from '../fs/atomic.js';
import type { ZoneCounts } from '../zone/canonical.js';
import type { OutcomeKind } from '../axfr/outcome.js';
import { isPlainRelative, readInside } from '../fs/inside.js';
import { canonicalText } from '../dns/name.js';
import { normalizeAddress } from './targets.js';
import { isSourceName, type SourceName } from './sources/source.js';

const REPORT_FILE = 'report.json';
const ZONES_DIR = 'zones';
/**
 * 2: adds `scanId` and `zoneAddresses` (what discovery found per zone). Version 1
 * reports are still read; they cannot show that an address left a zone.
 */
export const REPORT_VERSION = 2;
/** A report larger than this is not one `scan` wrote. */
const MAX_REPORT_BYTES = 512 * 1024 * 1024;

export type TargetOutcome = OutcomeKind | 'skipped';

export interface TargetResult {
  zone: string;
  address: string;
  port: number;
  nameServers: string[];
  outcome: TargetOutcome;
  /** Attempts made (a transient failure is tried once more). */
  attempts: number;
  detail?: string;
  rcode?: string;
  serial?: number;
  /** Lines of the canonical text (records after duplicates are removed). */
  records?: number;
  /** Bytes received over the wire. */
  bytes?: number;
  durationMs?: number;
  /** Path of the canonical text, relative to the results directory. */
  file?: string;
  sha256?: string;
  counts?: ZoneCounts;
  /** Which source found the zone (src/scan/sources/source.ts). */
  source?: SourceName;
}

export interface Report {
  version: number;
  /** The scan this report belongs to: the same for every shard of one scan. */
  scanId?: string;
  started: string;
  finished: string;
  /** The options that shaped the scan (what was asked, not how long it took). */
  options: Record<string, unknown>;
  shard: { index: number; count: number } | null;
  discovery: Record<string, unknown>;
  /**
   * Per zone, every address of its name servers that discovery found, before
   * exclusions, --family and sharding: an address of the archive's that is not
   * here is no longer one of the zone's.
   */
  zoneAddresses?: Record<string, string[]>;
  /** Per source: zones and targets it gave, and what the budgets cut. */
  sources?: Record<string, unknown>;
  targets: TargetResult[];
}

export type ResultsDirCheck = { ok: true } | { ok: false; error: string };

/** `--out DIR` must not exist, or be an empty directory. */
export function checkOutDir(dir: string): ResultsDirCheck {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: true };
    if (code === 'ENOTDIR') return { ok: false, error: `${dir} exists and is not a directory` };
    return { ok: false, error: `cannot read ${dir}: ${(e as Error).message}` };
  }
  if (entries.length > 0) return { ok: false, error: `results directory ${dir} is not empty; give a new one` };
  return { ok: true };
}

export class ResultsWriter {
  private readonly zonesDir: string;

  constructor(readonly dir: string) {
    this.zonesDir = path.join(dir, ZONES_DIR);
    fs.mkdirSync(this.zonesDir, { recursive: true });
  }

  /** Stores one zone text under its content hash; returns its relative path. */
  async storeZone(chunks: Iterable<string | Uint8Array>): Promise<Written & { file: string }> {
    // The name is known only once the bytes are: write under a temporary name, then rename.
    const incoming = tempPathFor(path.join(this.zonesDir, 'incoming'));
    const written = await writeAtomic(incoming, chunks);
    const file = path.join(ZONES_DIR, `${written.sha256}.zone`);
    await fs.promises.rename(incoming, path.join(this.dir, file));
    return { ...written, file };
  }

  async writeReport(report: Report): Promise<void> {
    await writeAtomic(path.join(this.dir, REPORT_FILE), [JSON.stringify(report, null, 1) + '\n']);
  }
}

/** A target as publish uses it: names normalized, the file's path checked. */
export interface ReadTarget {
  zone: string;
  address: string;
  outcome: TargetOutcome;
  file?: string;
  sha256?: string;
  /** What the report claims; publish takes serial and records from the file itself. */
  serial?: number;
  records?: number /** The name servers' names that led to this address, normalized. */;
  nameServers?: string[] /** The source of the scan that found the zone, when the report names a known one. */;
  source?: SourceName;
}

/** A results directory as publish reads it: every field checked, every name normalized. */
export interface ReadReport {
  dir: string;
  version: number;
  scanId?: string;
  /** Milliseconds since the epoch. */
  started: number;
  shard: { index: number; count: number } | null;
  dnssec: boolean;
  /** Per zone, the addresses discovery found; undefined when the report does not say (version 1). */
  zoneAddresses?: Map<string, Set<string>>;
  targets: ReadTarget[];
}

export type ReadResults = ({ ok: true } & ReadReport) | { ok: false; error: string; usage?: boolean };

const OUTCOMES: ReadonlySet<string> = new Set<TargetOutcome>([
  'transferred',
  'refused',
  'notauth',
  'notimp',
  'servfail',
  'formerr',
  'other-rcode',
  'timeout',
  'unreachable',
  'connection-refused',
  'reset',
  'truncated',
  'malformed',
  'limit',
  'skipped',
]);

class Invalid extends Error {}

/** A name in canonical form that needs no parsing: lowercase LDH labels, absolute. */
export const SIMPLE_NAME = /^(?:\.|(?:[a-z0-9_-]{1,63}\.)+)$/;

/** A zone name from the report, normalized (lowercase, absolute, escaped). */
function zoneName(v: unknown, where: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 1024) throw new Invalid(`${where}: the zone is not a name`);
  if (v.length <= 254 && SIMPLE_NAME.test(v)) return v; // already lowercase, absolute, nothing to escape
  try {
    return canonicalText(v);
  } catch {
    throw new Invalid(`${where}: the zone ${JSON.stringify(v).slice(0, 80)} is not a domain name`);
  }
}

function address(v: unknown, where: string): string {
  if (typeof v !== 'string' || net.isIP(v) === 0) throw new Invalid(`${where}: ${JSON.stringify(v)?.slice(0, 80)} is not an IP address`);
  return normalizeAddress(v);
}

function uint(v: unknown, max: number, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw new Invalid(`${where} is not a whole number from 0 to ${max}`);
  return v;
}

function time(v: unknown, where: string): number {
  const t = typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) ? Date.parse(v) : NaN;
  if (!Number.isFinite(t)) throw new Invalid(`${where} is not a time`);
  return t;
}

/**
 * Reads and checks a results directory written by `scan`. Everything in it is
 * untrusted: the report is parsed field by field, zone names normalized, and each
 * zone file's path must be a plain relative one (its content is checked when used).
 */
export function readResults(dir: string): ReadResults {
  const read = readInside(dir, REPORT_FILE, MAX_REPORT_BYTES);
  if (!read.ok) {
    if (!fs.existsSync(path.join(dir, REPORT_FILE)) && !isLink(path.join(dir, REPORT_FILE))) {
      return { ok: false, usage: true, error: `${dir} holds no ${REPORT_FILE}: not a finished scan` };
    }
    return { ok: false, error: `${dir}: ${read.error}` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(read.bytes.toString('utf8'));
  } catch {
    return { ok: false, error: `${path.join(dir, REPORT_FILE)} is not JSON` };
  }
  try {
    return { ok: true, ...parseReport(raw, dir) };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, error: `${path.join(dir, REPORT_FILE)}: ${e.message}` };
    throw e;
  }
}

function isLink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

function parseReport(raw: unknown, dir: string): ReadReport {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Invalid('not a zonelog scan report');
  const r = raw as Record<string, unknown>;
  if (r.version !== 1 && r.version !== REPORT_VERSION) throw new Invalid(`not a zonelog scan report (version ${String(r.version).slice(0, 20)})`);
  if (!Array.isArray(r.targets)) throw new Invalid('has no list of targets');
  const started = time(r.started, 'started');
  let shard: ReadReport['shard'] = null;
  if (r.shard !== null && r.shard !== undefined) {
    const s = r.shard as Record<string, unknown>;
    const count = uint(s.count, 100000, 'shard count');
    const index = uint(s.index, count, 'shard index');
    if (count < 1 || index < 1) throw new Invalid('shard is not I/N with 1 <= I <= N');
    shard = { index, count };
  }
  const options = (typeof r.options === 'object' && r.options !== null ? r.options : {}) as Record<string, unknown>;
  if (options.dnssec !== undefined && typeof options.dnssec !== 'boolean') throw new Invalid('options.dnssec is not true or false');
  let scanId: string | undefined;
  if (r.scanId !== undefined) {
    if (typeof r.scanId !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(r.scanId)) throw new Invalid('scanId is not a printable token');
    scanId = r.scanId;
  }
  let zoneAddresses: Map<string, Set<string>> | undefined;
  if (r.zoneAddresses !== undefined) {
    if (typeof r.zoneAddresses !== 'object' || r.zoneAddresses === null || Array.isArray(r.zoneAddresses)) throw new Invalid('zoneAddresses is not an object');
    zoneAddresses = new Map();
    for (const [z, list] of Object.entries(r.zoneAddresses as Record<string, unknown>)) {
      if (!Array.isArray(list)) throw new Invalid(`zoneAddresses of ${JSON.stringify(z).slice(0, 80)} is not a list`);
      const zone = zoneName(z, 'zoneAddresses');
      const set = zoneAddresses.get(zone) ?? new Set<string>();
      for (const a of list) set.add(address(a, `zoneAddresses of ${zone}`));
      zoneAddresses.set(zone, set);
    }
  }
  const targets: ReadTarget[] = [];
  r.targets.forEach((v: unknown, i: number) => {
    const where = `target ${i + 1}`;
    if (typeof v !== 'object' || v === null) throw new Invalid(`${where} is not an object`);
    const t = v as Record<string, unknown>;
    const zone = zoneName(t.zone, where);
    const addr = address(t.address, where);
    if (typeof t.outcome !== 'string' || !OUTCOMES.has(t.outcome)) throw new Invalid(`${where}: unknown outcome ${JSON.stringify(t.outcome)?.slice(0, 40)}`);
    const outcome = t.outcome as TargetOutcome;
    if (outcome !== 'transferred') {
      targets.push({ zone, address: addr, outcome, ...(isSourceName(t.source) ? { source: t.source } : {}) });
      return;
    }
    if (typeof t.file !== 'string' || !isPlainRelative(t.file))
      throw new Invalid(`${where} (${zone}): the file ${JSON.stringify(t.file)?.slice(0, 80)} is not a plain path inside the results directory`);
    if (typeof t.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(t.sha256)) throw new Invalid(`${where} (${zone}): sha256 is not 64 hex digits`);
    let nameServers: string[] | undefined;
    if (t.nameServers !== undefined) {
      if (!Array.isArray(t.nameServers) || t.nameServers.length > 64) throw new Invalid(`${where} (${zone}): nameServers is not a list of at most 64 names`);
      nameServers = t.nameServers.map((n) => zoneName(n, `${where} (${zone}) nameServers`));
    }
    targets.push({
      zone,
      address: addr,
      outcome,
      file: t.file,
      sha256: t.sha256,
      ...(nameServers ? { nameServers } : {}),
      ...(isSourceName(t.source) ? { source: t.source } : {}),
      serial: uint(t.serial, 0xffffffff, `${where} (${zone}): serial`),
      records: uint(t.records, Number.MAX_SAFE_INTEGER, `${where} (${zone}): records`),
    });
  });
  return { dir, version: r.version as number, scanId, started, shard, dnssec: options.dnssec === true, zoneAddresses, targets };
}
