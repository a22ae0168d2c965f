/** Scans of the lab in tests: results directories removed after the file's tests, and the options for a lab. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll } from 'vitest';
import { emptyExclusions } from '../../src/scan/config.js';
import type { Lab } from '../../src/lab/lab.js';
import { parseAddress } from '../../src/dns/address.js';
import type { ScanOptions } from '../../src/scan/scan.js';
import { tempDir } from './results.js';

/** A function giving a new results directory path each call; all are removed after the file's tests. */
export function resultsDirs(): () => string {
  const made: string[] = [];
  afterAll(() => {
    for (const d of made) fs.rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = path.join(tempDir(), 'results');
    made.push(path.dirname(d));
    return d;
  };
}

/** Scan options for the lab's root servers and port, with everything else given. */
export function labScanOptions(lab: Lab, dir: string, base: Pick<ScanOptions, 'limits'> & Partial<ScanOptions>): ScanOptions {
  return {
    roots: lab.rootServers.map((r) => {
      const p = parseAddress(r);
      if (!p.ok) throw new Error(p.error);
      return p.address;
    }),
    port: lab.port,
    zones: [],
    fallbackZones: [],
    family: 'any',
    exclusions: emptyExclusions(),
    concurrency: 64,
    perAddress: 2,
    dnssec: false,
    memoryBudget: 64 * 1024 * 1024,
    out: dir,
    ...base,
  };
}
