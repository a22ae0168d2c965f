/**
 * Target budgets: a limit on the targets (zone, address) of one run
 * and of each source, so that a scan fits its two-hour cadence on one runner.
 * A zone is taken whole or not at all, in a fixed order (the root and the TLDs,
 * then the list given by hand, the arpa tree, the suffixes, the leaked zones'
 * delegations; within a source in canonical order), and counted before
 * `--shard`, so every shard cuts the same zones.
 */
import type { SourceName } from './source.js';

type BudgetKey = SourceName | 'run';

/** Targets allowed; Infinity for no limit, 0 to leave a source out. */
export type Budgets = Record<BudgetKey, number>;

/**
 * Defaults, sized for the real internet: the root and the TLDs are about 12,000
 * targets, the arpa tree about 300 zones (some 2,000 targets), the Public Suffix
 * List's zone cuts some 30,000 (half of its 7,000 suffixes, on their TLD's eight or
 * so addresses), a few leaked small zones' delegations a few hundred. 80,000 in all
 * keeps a scan, at two transfers at a time per address, inside two hours.
 */
export const DEFAULT_BUDGETS: Readonly<Budgets> = { run: 80_000, root: Infinity, list: Infinity, arpa: 3_000, psl: 40_000, leaked: 3_000 };

/** The order in which sources draw on the run's budget. */
export const BUDGET_ORDER: readonly SourceName[] = ['root', 'list', 'arpa', 'psl', 'leaked'];

export interface SourceUse {
  zones: number;
  targets: number;
  cutZones: number;
  cutTargets: number;
  /** The first zones cut, in the order they were cut. */
  cut: string[];
}

const CUT_NAMES_KEPT = 100;

export class Budget {
  private runUsed = 0;
  readonly use = new Map<SourceName, SourceUse>();

  constructor(readonly limits: Readonly<Budgets>) {}

  /** Takes a zone with `targets` targets for `source`; false (and counted as cut) when a budget has no room. */
  take(zone: string, source: SourceName, targets: number): boolean {
    const u = this.useOf(source);
    if (u.targets + targets > this.limits[source] || this.runUsed + targets > this.limits.run) {
      u.cutZones++;
      u.cutTargets += targets;
      if (u.cut.length < CUT_NAMES_KEPT) u.cut.push(zone);
      return false;
    }
    u.zones++;
    u.targets += targets;
    this.runUsed += targets;
    return true;
  }

  useOf(source: SourceName): SourceUse {
    let u = this.use.get(source);
    if (!u) this.use.set(source, (u = { zones: 0, targets: 0, cutZones: 0, cutTargets: 0, cut: [] }));
    return u;
  }

  /** For the report: per source what it gave and what was cut, and the limits (null for none). */
  report(): Record<string, unknown> {
    const limit = (n: number) => (Number.isFinite(n) ? n : null);
    const sources: Record<string, unknown> = {};
    for (const s of BUDGET_ORDER) if (this.use.has(s)) sources[s] = { ...this.use.get(s)!, budget: limit(this.limits[s]) };
    return { run: { targets: this.runUsed, budget: limit(this.limits.run) }, sources };
  }
}

/** `SOURCE=N` or `run=N` (N a count, or `none` for no limit), for `--budget`. */
export function parseBudget(text: string, into: Budgets): string | undefined {
  const m = /^([a-z]+)=([0-9]+|none)$/.exec(text.trim());
  const keys = ['run', ...BUDGET_ORDER];
  if (!m || !keys.includes(m[1]!)) return `${JSON.stringify(text)} is not SOURCE=N with SOURCE one of ${keys.join(', ')} and N a count or "none"`;
  into[m[1] as BudgetKey] = m[2] === 'none' ? Infinity : Number(m[2]);
  return undefined;
}
