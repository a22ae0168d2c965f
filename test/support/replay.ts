/**
 * Replays the real root zone history of the corpus (101 versions, Feb–Mar 2018)
 * into an archive: each version is served by the lab's authoritative server on
 * loopback, transferred by zonelog's client, and published with its date.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { transfer } from '../../src/axfr/transfer.js';
import { CanonicalZone } from '../../src/zone/canonical.js';
import { AuthServer, staticZone } from '../../src/lab/authserver.js';
import { parseZoneText } from '../../src/lab/masterfile.js';
import type { WireRecord } from '../../src/dns/message.js';
import { ROOT } from '../../src/dns/name.js';
import { publish } from '../../src/publish/publish.js';
import { ResultsWriter, type TargetResult } from '../../src/scan/results.js';
import { TYPE } from '../../src/dns/types.js';
import { corpusClone } from './corpus.js';

export interface Version {
  rev: string;
  /** ISO date of the capture (the commit's). */
  date: string;
}

/** The corpus (test/support/corpus.ts's cached clone) and its versions, oldest first. */
export function corpus(): { dir: string; versions: Version[] } {
  const clone = corpusClone();
  const log = execFileSync('git', ['-C', clone, 'log', '--reverse', '--format=%H %cI'], { encoding: 'utf8' });
  const versions = log
    .trim()
    .split('\n')
    .map((l) => {
      const [rev, date] = l.split(' ');
      return { rev: rev!, date: date! };
    });
  return { dir: clone, versions };
}

/** A version's file, as bytes (some hold raw UTF-8 in names). */
function sourceText(rev: string): Buffer {
  return execFileSync('git', ['-C', corpus().dir, 'show', `${rev}:root.zone`], { maxBuffer: 1 << 28 });
}

/**
 * The records of a version: `dig AXFR` output, whose SOA comes again at the end
 * (dropped here). Some versions are odd, as real captures are: a few keep their
 * RRSIGs, and one begins with the SOA of `test.` instead of the root's.
 */
function sourceRecords(rev: string): WireRecord[] {
  const parsed = parseZoneText(sourceText(rev), { file: `${rev.slice(0, 8)}:root.zone` });
  if (!parsed.ok) throw new Error(parsed.error);
  const soa = parsed.records[0]!;
  return [soa, ...parsed.records.slice(1).filter((r) => !(r.type === TYPE.SOA && r.owner.equals(soa.owner)))];
}

/** Whether a version is a root zone at all (its first record is the root's SOA). */
export function isRootZone(rev: string): boolean {
  // The first line is enough for `dig AXFR` output; the whole file only when it is not.
  const text = sourceText(rev);
  const head = parseZoneText(text.subarray(0, text.indexOf(0x0a) + 1), { file: `${rev.slice(0, 8)}:root.zone` });
  const first = head.ok && head.records.length > 0 ? head.records[0]! : sourceRecords(rev)[0]!;
  return first.type === TYPE.SOA && first.owner.equals(ROOT);
}

const canonicalCache = new Map<string, string>();

/** The canonical text of a version computed straight from its source file (no server, no git). */
export function canonicalOf(rev: string): string {
  const cached = canonicalCache.get(rev);
  if (cached !== undefined) return cached;
  const text = render(rev);
  canonicalCache.set(rev, text);
  return text;
}

function render(rev: string): string {
  const recs = sourceRecords(rev);
  const z = new CanonicalZone(ROOT, {});
  z.setSoa(recs[0]!);
  for (const r of recs.slice(1)) z.add(r);
  return [...z.chunks()].join('');
}

/** Builds an archive repository from versions [0, count) of the corpus. */
export async function replay(
  opts: { count?: number; splitBytes?: number } = {},
): Promise<{ repo: string; versions: Version[]; commits: number; outcomes: string[] }> {
  const { versions: all } = corpus();
  const versions = all.slice(0, opts.count ?? all.length);
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'zonelog-replay-'));
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  const server = new AuthServer({ port: 0 });
  let commits = 0;
  const outcomes: string[] = [];
  try {
    for (const v of versions) {
      // The version is served as the root zone whatever its first record says, as a server would.
      const content = { ...staticZone(v.rev, sourceRecords(v.rev)), apex: ROOT };
      await server.configure([{ address: '127.0.9.1', zones: [{ content, axfr: 'allow' }] }]);
      const result = await transfer({ zone: ROOT, server: { host: '127.0.9.1', port: server.port } });
      outcomes.push(result.outcome.kind);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonelog-replay-results-'));
      try {
        const w = new ResultsWriter(dir);
        const base = { zone: '.', address: '127.0.9.1', port: server.port, nameServers: [], attempts: 1 };
        let target: TargetResult;
        if (result.zone) {
          const stored = await w.storeZone(result.zone.chunks());
          result.zone.dispose();
          target = { ...base, outcome: 'transferred', serial: result.outcome.serial, records: result.zone.written, file: stored.file, sha256: stored.sha256 };
        } else target = { ...base, outcome: result.outcome.kind, detail: result.outcome.detail };
        await w.writeReport({ version: 1, started: v.date, finished: v.date, options: { dnssec: false }, shard: null, discovery: {}, targets: [target] });
        const p = await publish({
          dirs: [dir],
          archiveDir: path.join(repo, 'archive'),
          splitBytes: opts.splitBytes ?? 40e6,
          commit: true,
          push: false,
          remote: 'origin',
          env: process.env,
        });
        if (!p.ok) throw new Error(p.error);
        if (p.commit?.committed) commits++;
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await server.stop();
  }
  return { repo, versions, commits, outcomes };
}
