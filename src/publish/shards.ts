/**
 * Which shards of a scan publish was given (DESIGN §1, §5). A scan run with
 * `--shard I/N` covers only its share of the targets, so a zone may leave the
 * archive only when shards 1..N are all here, each once. A set that misses a
 * shard or repeats one is refused, unless the caller says it is partial, and then
 * nothing is removed.
 */
import type { ReadReport } from '../scan/results.js';

export type ShardCheck = { ok: true; complete: boolean } | { ok: false; error: string };

function label(r: ReadReport): string {
  const s = r.shard ?? { index: 1, count: 1 };
  return `shard ${s.index}/${s.count}${r.scanId ? ` of scan ${r.scanId}` : ''}`;
}

export function checkShards(reports: ReadReport[], partial: boolean): ShardCheck {
  if (partial) return { ok: true, complete: false };
  const counts = new Set(reports.map((r) => r.shard?.count ?? 1));
  if (counts.size > 1) {
    const [a, b] = [...counts];
    const da = reports.find((r) => (r.shard?.count ?? 1) === a)!;
    const db = reports.find((r) => (r.shard?.count ?? 1) === b)!;
    return {
      ok: false,
      error: `the results mix ${label(da)} (${da.dir}) with ${label(db)} (${db.dir}); give the shards of one scan, or --partial to publish without removing any zone`,
    };
  }
  const count = [...counts][0] ?? 1;
  const seen = new Map<number, ReadReport>();
  for (const r of reports) {
    const index = r.shard?.index ?? 1;
    const twice = seen.get(index);
    if (twice)
      return {
        ok: false,
        error: `${label(r)} is given twice (${twice.dir} and ${r.dir}); give each shard once, or --partial to publish without removing any zone`,
      };
    seen.set(index, r);
  }
  for (let i = 1; i <= count; i++) {
    if (!seen.has(i))
      return {
        ok: false,
        error: `shard ${i}/${count}${reports[0]?.scanId ? ` of scan ${reports[0].scanId}` : ''} is missing; give its results directory too, or --partial to publish without removing any zone`,
      };
  }
  return { ok: true, complete: true };
}
