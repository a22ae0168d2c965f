/**
 * A scan's results directory (DESIGN §1): `report.json` and, for every
 * transferred (zone, address), its canonical text under `zones/`, named by the
 * SHA-256 of its bytes so that identical transfers are stored once.
 *
 * report.json is written last and atomically; a directory without it is an
 * unfinished scan that `publish` refuses.
 */
import fs from 'node:fs';
import path from 'node:path';
import { tempPathFor, writeAtomic, type Written } from '../fs/atomic.js';
import type { ZoneCounts } from '../zone/canonical.js';
import type { OutcomeKind } from '../axfr/outcome.js';
import type { SourceName } from './sources/source.js';

export const REPORT_FILE = 'report.json';
export const ZONES_DIR = 'zones';
export const REPORT_VERSION = 1;

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
  started: string;
  finished: string;
  /** The options that shaped the scan (what was asked, not how long it took). */
  options: Record<string, unknown>;
  shard: { index: number; count: number } | null;
  discovery: Record<string, unknown>;
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

export type ReadResults = { ok: true; report: Report; dir: string } | { ok: false; error: string };

/** Reads and checks a results directory written by `scan`. */
export function readResults(dir: string): ReadResults {
  const file = path.join(dir, REPORT_FILE);
  let report: Report;
  try {
    report = JSON.parse(fs.readFileSync(file, 'utf8')) as Report;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: false, error: `${dir} holds no ${REPORT_FILE}: not a finished scan` };
    return { ok: false, error: `cannot read ${file}: ${(e as Error).message}` };
  }
  if (report.version !== REPORT_VERSION || !Array.isArray(report.targets)) {
    return { ok: false, error: `${file} is not a zonelog scan report (version ${String(report.version)})` };
  }
  for (const t of report.targets) {
    if (t.file && !fs.existsSync(path.join(dir, t.file))) return { ok: false, error: `${dir}: ${t.file} named in the report is missing` };
  }
  return { ok: true, report, dir };
}
