/**
 * The scan where servers are silent, slow or cut off: a lab world with addresses that
 * never answer, servers that drop AXFR for the zones they do not allow, and latency;
 * the deadline cutting transfers in flight; and the exit code when discovery fails,
 * through the built binary.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_LIMITS } from '../../src/axfr/limits.js';
import { startLab, type Lab } from '../../src/lab/lab.js';
import { readResults, type Report } from '../../src/scan/results.js';
import { scan, type ScanOptions } from '../../src/scan/scan.js';
import { normalizeAddress } from '../../src/scan/targets.js';
import { BadServer, neverAnswer } from '../support/badserver.js';
import { mismatches, tempDir } from '../support/results.js';
import { labScanOptions } from '../support/scan.js';
import { pickFreePort } from '../support/servers.js';

const LIMITS = { ...DEFAULT_LIMITS, connectTimeoutMs: 1000, idleTimeoutMs: 800, deadlineMs: 3000 };
const BIN = path.resolve('dist/src/cli/bin.js');
const cleanup: string[] = [];
afterAll(() => {
  for (const d of cleanup) fs.rmSync(d, { recursive: true, force: true });
});
function newDir(): string {
  const d = tempDir();
  cleanup.push(d);
  return d;
}

function scanOptions(lab: Lab, extra: Partial<ScanOptions> = {}): ScanOptions {
  return labScanOptions(lab, path.join(newDir(), 'results'), { limits: LIMITS, ...extra });
}

/** Addresses whose every TLD target has this behaviour in the lab's world, or some of each kind. */
function addressesWhere(lab: Lab, test: (behaviours: string[]) => boolean): string[] {
  const by = new Map<string, string[]>();
  for (const e of lab.expected) if (e.zone !== '.') by.set(e.address, [...(by.get(e.address) ?? []), e.behaviour]);
  return [...by].filter(([, b]) => test(b)).map(([a]) => a);
}

describe('scan of a world with silent addresses, droppers and latency', () => {
  let lab: Lab;
  let report: Report;

  beforeAll(async () => {
    lab = await startLab({
      zones: 160,
      seed: 5,
      port: 0,
      serversPerTld: { min: 4, max: 6 },
      addresses: 20,
      silentAddresses: { share: 0.05, min: 20, max: 60 },
      droppers: 2,
      latency: { min: 5, max: 40 },
      clientLimits: { idleTimeoutMs: 1500, deadlineMs: LIMITS.deadlineMs },
    });
    // A longer idle timeout than elsewhere: the lab shares this process and its two cores.
    report = await scan(scanOptions(lab, { limits: { ...LIMITS, idleTimeoutMs: 1500 } }));
  }, 300_000);
  afterAll(async () => {
    await lab?.stop();
  });

  const isDropper = (b: string[]) =>
    b.includes('silent') && !b.some((x) => ['refused', 'notauth', 'reset', 'close'].includes(x)) && b.some((x) => x !== 'silent');
  const isSilent = (b: string[]) => b.every((x) => x === 'silent');

  it('the world has what the test is about', () => {
    expect(addressesWhere(lab, isSilent).length).toBeGreaterThan(0);
    expect(addressesWhere(lab, isDropper)).toHaveLength(2);
  });

  it("every target has the outcome the lab says, so the droppers' allowed zones are transferred", () => {
    expect(mismatches(report, lab.expected)).toEqual([]);
    for (const a of addressesWhere(lab, isDropper)) {
      const here = report.targets.filter((t) => normalizeAddress(t.address) === a);
      expect(here.filter((t) => t.outcome === 'transferred').length).toBeGreaterThan(0);
      // every zone it drops waited the full timeout, whatever its first attempt was
      for (const t of here.filter((x) => x.outcome === 'timeout')) expect(t.detail).toMatch(/no data for 1.5 s|deadline of 3 s/);
    }
  });

  it('a target at an address that never answered ends after one attempt, none of it retried', () => {
    for (const a of addressesWhere(lab, isSilent)) {
      const here = report.targets.filter((t) => normalizeAddress(t.address) === a);
      expect(here.length).toBeGreaterThan(0);
      for (const t of here) expect([t.outcome, t.attempts]).toEqual(['timeout', 1]);
      // all but the probe had the short first-byte timeout
      expect(here.filter((t) => /no response within/.test(t.detail ?? '')).length).toBe(here.length - 1);
    }
  });

  it('answers at most --per-address queries at once at every address but the droppers (see src/scan/scheduler.ts)', () => {
    const droppers = new Set(addressesWhere(lab, isDropper));
    for (const a of lab.server.addresses) if (!droppers.has(a)) expect(lab.connections(a).peakServing, a).toBeLessThanOrEqual(2);
    for (const a of droppers) expect(lab.connections(a).peakServing, a).toBeLessThanOrEqual(16);
  });
});

describe('the scan deadline', () => {
  it('cuts transfers in flight: they are skipped, saying what was cut, and the results so far are written', async () => {
    // Every TLD server sends its zone slowly (a piece every 250 ms for 20 s).
    const lab = await startLab({ zones: 6, seed: 2, port: 0, mix: { drip: 1 }, closedAddresses: 0, sizes: { min: 2000, max: 3000 } });
    try {
      const o = scanOptions(lab, { deadlineMs: 1500, limits: { ...LIMITS, deadlineMs: 60_000 } });
      const r = await scan(o);
      const cut = r.targets.filter((t) => t.outcome === 'skipped' && /cut/.test(t.detail ?? ''));
      expect(cut.length).toBeGreaterThan(0);
      for (const t of cut) {
        expect(t.detail).toMatch(/the scan deadline cut this transfer: cut after \d+ ms/);
        expect(t.bytes).toBeGreaterThan(0);
      }
      expect(r.targets.some((t) => t.zone === '.' && t.outcome === 'transferred')).toBe(true);
      expect(r.targets.filter((t) => t.zone !== '.').every((t) => t.outcome === 'skipped')).toBe(true);
      const written = readResults(o.out);
      expect(written.ok && written.targets.length).toBe(r.targets.length);
    } finally {
      await lab.stop();
    }
  }, 60_000);
});

describe('exit 2 with one line when discovery fails (the built binary)', () => {
  // Asynchronous: the servers of these tests run in this process.
  const run = (args: string[]) =>
    new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'scan', '--quiet', '--archive', newDir(), '--out', path.join(newDir(), 'r'), ...args], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (status) => resolve({ status, stderr }));
    });

  it('no root server answered: nothing listens', async () => {
    const port = await pickFreePort('127.0.0.1');
    const r = await run(['--root', `127.0.0.1:${port}`, '--timeout', '1']);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(['zonelog: no root server answered (1 addresses tried); check --root, --port and the network']);
  });

  it('no root server answered: it accepts and says nothing', async () => {
    const server = await BadServer.start(neverAnswer);
    try {
      const r = await run(['--root', server.address, '--timeout', '0.5', '--connect-timeout', '0.5']);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^zonelog: no root server answered/);
    } finally {
      await server.close();
    }
  });

  it('the root servers answer but discovery finds no zone', async () => {
    const lab = await startLab({ zones: 3, seed: 3, port: 0, rootAllow: 0 });
    try {
      const r = await run(['--root', lab.rootServers.slice(0, 2).join(','), '--timeout', '1']);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^zonelog: discovery found no zone/);
    } finally {
      await lab.stop();
    }
  });
});
