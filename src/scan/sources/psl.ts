/**
 * Public suffixes: the ICANN section of the Public Suffix List
 * (`data/public_suffix_list.dat`, kept in the repository and updated by a
 * scheduled workflow; nothing is downloaded during a scan). A suffix becomes a
 * candidate zone only when it is a zone cut: its parent's servers delegate it
 * (src/scan/sources/cuts.ts). Suffixes of one label are TLDs, the root source's.
 * Wildcard rules (`*.ck`) name no zone we could ask for and exception rules
 * (`!www.ck`) name no suffix: both are left out.
 */
import fs from 'node:fs';
import path from 'node:path';
import { domainToASCII, fileURLToPath } from 'node:url';
import { canonicalText, compareCanonical, textToName } from '../../dns/name.js';
import { isExcludedOrBelow, mapLimit, type Found, type SourceContext } from './source.js';

/** The list kept in the repository, relative to its root. */
export const SHIPPED_SUFFIX_LIST = path.join('data', 'public_suffix_list.dat');

/** The shipped list's path: in the first folder above this module that holds it (the package's root, built or not). */
export function shippedSuffixListPath(): string | undefined {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const f = path.join(dir, SHIPPED_SUFFIX_LIST);
    if (fs.existsSync(f)) return f;
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

const BEGIN_ICANN = '// ===BEGIN ICANN DOMAINS===';
const END_ICANN = '// ===END ICANN DOMAINS===';
/**
 * Questions in flight at once: one UDP NS question each, spread over the parents'
 * servers by name, so they ride out the round trips (a parent with eight servers
 * gets about a thirtieth of them at each).
 */
const PROBES_AT_ONCE = 256;

export interface SuffixList {
  /** Suffixes of two labels or more, absolute, lowercase, ASCII (IDNs in their xn-- form), sorted, once each. */
  suffixes: string[];
  wildcards: number;
  exceptions: number;
  /** Lines that are no domain name. */
  invalid: string[];
}

/**
 * Reads the ICANN section of a list in the Public Suffix List's format: one rule a
 * line, `//` comments. A text without the section's markers is read whole (a
 * list of suffixes made by hand, or the lab's).
 */
export function parseSuffixList(text: string): SuffixList {
  let lines = text.split(/\r?\n/);
  const begin = lines.findIndex((l) => l.trim() === BEGIN_ICANN);
  if (begin >= 0) {
    const end = lines.findIndex((l, i) => i > begin && l.trim() === END_ICANN);
    lines = lines.slice(begin + 1, end < 0 ? undefined : end);
  }
  const out = new Set<string>();
  const list: SuffixList = { suffixes: [], wildcards: 0, exceptions: 0, invalid: [] };
  for (const raw of lines) {
    // A rule is the first whitespace-separated word of a line.
    const rule = raw.trim().split(/\s/)[0] ?? '';
    if (rule === '' || rule.startsWith('//')) continue;
    if (rule.startsWith('!')) {
      list.exceptions++;
      continue;
    }
    if (rule.split('.').includes('*')) {
      list.wildcards++;
      continue;
    }
    const ascii = domainToASCII(rule);
    let name: string;
    try {
      if (ascii === '') throw new Error('not a domain name');
      name = canonicalText(ascii);
    } catch {
      list.invalid.push(rule);
      continue;
    }
    if (name.split('.').length > 2) out.add(name);
  }
  list.suffixes = [...out].sort();
  return list;
}

export interface PslReport {
  suffixes: number;
  cuts: number;
  notCuts: number;
  failed: number;
  excluded: number;
  questions: number;
}

/** Asks, level by level (two labels first), whether each suffix is a zone cut. */
export async function pslSource(ctx: SourceContext, suffixes: readonly string[]): Promise<{ found: Found; report: PslReport }> {
  const found = new Map<string, Map<string, string[]>>();
  const report: PslReport = { suffixes: suffixes.length, cuts: 0, notCuts: 0, failed: 0, excluded: 0, questions: 0 };
  const tally = { questions: 0 };
  const byDepth = new Map<number, string[]>();
  for (const s of suffixes) {
    if (isExcludedOrBelow(ctx.exclusions, s)) {
      report.excluded++;
      continue;
    }
    const depth = s.split('.').length;
    let list = byDepth.get(depth);
    if (!list) byDepth.set(depth, (list = []));
    list.push(s);
  }
  for (const depth of [...byDepth.keys()].sort((a, b) => a - b)) {
    // In canonical order: the suffixes of one parent are asked one after another, while its servers know the zone at hand.
    const names = byDepth
      .get(depth)!
      .map((n) => ({ n, w: textToName(n) }))
      .sort((x, y) => compareCanonical(x.w, y.w))
      .map((x) => x.n);
    const results = await mapLimit(names, PROBES_AT_ONCE, (n) => ctx.cuts.probe(n, tally));
    results.forEach((r, i) => {
      if (r.kind === 'cut') {
        found.set(names[i]!, r.ns);
        report.cuts++;
      } else if (r.kind === 'failed') report.failed++;
      else report.notCuts++;
    });
  }
  report.questions = tally.questions;
  return { found: { source: 'psl', delegations: found }, report };
}
