import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zonelog } from '../support/cli.js';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_LIMITS } from '../../src/axfr/limits.js';
import { emptyExclusions } from '../../src/scan/config.js';
import { startLab, type Lab } from '../../src/lab/lab.js';
import type { Report } from '../../src/scan/results.js';
import { scan, type ScanOptions } from '../../src/scan/scan.js';
import { normalizeAddress } from '../../src/scan/targets.js';
import { describeServer, pickFreePort, startServer, stopAllServers, type RunningServer } from '../support/servers.js';
import { mismatches, tempDir } from '../support/results.js';
import { labScanOptions, resultsDirs } from '../support/scan.js';

const LIMITS = { ...DEFAULT_LIMITS, connectTimeoutMs: 1000, idleTimeoutMs: 800, deadlineMs: 3000 };
const cleanup: string[] = [];
afterAll(() => {
  for (const d of cleanup) fs.rmSync(d, { recursive: true, force: true });
});
const out = resultsDirs();

const cli = (args: string[]) => zonelog(args);

function scanOptions(lab: Lab, dir: string, extra: Partial<ScanOptions> = {}): ScanOptions {
  return labScanOptions(lab, dir, { limits: LIMITS, ...extra });
}

describe('scan against the lab', () => {
  let lab: Lab;
  let report: Report;

  beforeAll(async () => {
    lab = await startLab({ zones: 220, seed: 11, port: 0, clientLimits: { idleTimeoutMs: LIMITS.idleTimeoutMs, deadlineMs: LIMITS.deadlineMs } });
    report = await scan(scanOptions(lab, out()));
  }, 300_000);
  afterAll(async () => {
    await lab?.stop();
  });

  it('finds every target and reports the outcome the lab says it should', () => {
    const expected = lab.expected;
    expect(expected.length).toBeGreaterThan(200);
    const kinds = new Set(expected.map((e) => e.expected));
    for (const k of ['transferred', 'refused', 'notauth', 'timeout', 'connection-refused', 'reset', 'truncated']) expect(kinds).toContain(k);
    const wrong = mismatches(report, expected);
    expect(wrong).toEqual([]);
    const expectedKeys = new Set(expected.map((e) => `${e.zone} ${normalizeAddress(e.address)}`));
    expect(report.targets.filter((t) => !expectedKeys.has(`${t.zone} ${normalizeAddress(t.address)}`))).toEqual([]);
  });

  it('covers the hard parts: glue-less NS names resolved, IPv6 on ::1, older serials, out-of-zone records dropped', () => {
    const resolution = report.discovery.resolution as { glueless: number; resolved: number };
    expect(resolution.glueless).toBeGreaterThan(0);
    expect(resolution.resolved).toBe(resolution.glueless);
    expect(report.targets.some((t) => t.address === '::1' && t.outcome === 'transferred')).toBe(true);
    const behaviours = new Set(lab.expected.map((e) => e.behaviour));
    for (const b of ['older-serial', 'out-of-zone', 'one-per-message', 'silent', 'reset', 'close', 'drip']) expect(behaviours).toContain(b);
    expect(report.targets.some((t) => (t.counts?.outOfZone ?? 0) > 0)).toBe(true);
    // every transferred text is stored under its hash
    for (const t of report.targets.filter((x) => x.outcome === 'transferred')) expect(t.file).toBe(`zones/${t.sha256}.zone`);
  });

  it('never has more than --per-address transfers at once at an address that never left a query unanswered', () => {
    // Where the scan met silence (a short timeout, or a parked wait), an answer that comes late
    // can meet --per-address others for a moment (src/scan/scheduler.ts); elsewhere the limit is exact.
    const silenced = new Set(report.targets.filter((t) => t.outcome === 'timeout' || t.attempts > 1).map((t) => normalizeAddress(t.address)));
    const peaks = lab.server.addresses.filter((a) => !silenced.has(a)).map((a) => lab.connections(a).peakServing);
    expect(peaks.length).toBeGreaterThan(10);
    expect(Math.max(...peaks)).toBeLessThanOrEqual(2);
    expect(lab.peakServing()).toBeGreaterThanOrEqual(2);
    for (const a of silenced) expect(lab.connections(a).peakServing, a).toBeLessThanOrEqual(16);
  });

  it('shards 1..3 together cover the unsharded targets exactly once', async () => {
    const keys: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const r = await scan(
        scanOptions(lab, out(), { shard: { index: i, count: 3 }, limits: { ...LIMITS, idleTimeoutMs: 300, deadlineMs: 600 }, concurrency: 128 }),
      );
      expect(r.shard).toEqual({ index: i, count: 3 });
      keys.push(...r.targets.map((t) => `${t.zone} ${normalizeAddress(t.address)}`));
    }
    const all = report.targets.map((t) => `${t.zone} ${normalizeAddress(t.address)}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect([...keys].sort()).toEqual([...all].sort());
  }, 300_000);

  it('the scan command writes a results directory and a JSON summary', async () => {
    const dir = out();
    const r = await cli([
      'scan',
      '--root',
      lab.rootServers.slice(0, 4).join(','),
      '--port',
      String(lab.port),
      '--out',
      dir,
      '--timeout',
      '0.3',
      '--transfer-deadline',
      '0.6',
      '--json',
      '--exclude',
      'arpa.',
    ]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.zonesTransferred).toBeGreaterThan(0);
    const rep = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')) as Report;
    expect(rep.targets.some((t) => t.zone === 'arpa.')).toBe(false);
    expect(rep.targets.length).toBe(summary.targets);
  }, 120_000);
});

describe('scan when no root server allows the transfer of "."', () => {
  it("asks the root servers for each TLD's delegation instead (the TLD list from --zones)", async () => {
    const lab = await startLab({
      zones: 25,
      seed: 4,
      port: 0,
      rootAllow: 0,
      clientLimits: { idleTimeoutMs: LIMITS.idleTimeoutMs, deadlineMs: LIMITS.deadlineMs },
    });
    try {
      const tlds = [...lab.world.tlds.keys()];
      const r = await scan(scanOptions(lab, out(), { fallbackZones: tlds }));
      expect(r.discovery.source).toBe('ns-queries');
      expect(r.discovery.notFound).toEqual([]);
      expect(r.targets.filter((t) => t.zone === '.').every((t) => t.outcome === 'refused' || t.outcome === 'notauth')).toBe(true);
      const want = lab.expected.filter((e) => e.zone !== '.');
      const got = new Map(r.targets.map((t) => [`${t.zone} ${normalizeAddress(t.address)}`, t.outcome]));
      for (const e of want) expect(got.get(`${e.zone} ${normalizeAddress(e.address)}`), `${e.zone} ${e.address}`).toBe(e.expected);
    } finally {
      await lab.stop();
    }
  }, 120_000);
});

describe('scan: bad input is a one-line error, exit 1, and writes nothing', () => {
  it.each([
    ['an unknown option value', ['--concurrency', 'many']],
    ['an invalid address', ['--root', '300.1.2.3']],
    ['a host name as root', ['--root', 'a.root-servers.net']],
    ['an unreadable zones file', ['--zones', '/nonexistent/zones.txt']],
    ['a bad shard', ['--shard', '4/3']],
    ['both families only', ['--ipv4-only', '--ipv6-only']],
  ])('%s', async (_what, args) => {
    const dir = out();
    // the case's own --root, when it has one, comes last and wins
    const r = await cli(['scan', '--root', '127.0.0.1', '--port', '1', '--out', dir, ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^zonelog: /);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('a results directory that exists and is not empty', async () => {
    const dir = out();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'keep.txt'), 'x');
    const r = await cli(['scan', '--root', '127.0.0.1', '--port', '1', '--out', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not empty/);
    expect(fs.readdirSync(dir)).toEqual(['keep.txt']);
  });
});

/**
 * A root zone served by BIND on loopback, delegating TLDs to BIND, Knot and NSD
 * (some allowing transfer, some refusing) and to an address where nothing listens.
 */
describeServer('knot', 'scan against real servers', () =>
  describeServer('nsd', 'with NSD', () =>
    describeServer('bind', 'and BIND', () => {
      const servers: RunningServer[] = [];
      let dir: string;
      let report: Report;
      let port: number;

      beforeAll(async () => {
        dir = tempDir();
        cleanup.push(dir);
        port = await pickFreePort('127.0.0.1');
        const zone = (name: string, serial: number, extra = '') => {
          const f = path.join(dir, `${name.replace(/\.$/, '') || 'root'}.zone`);
          fs.writeFileSync(
            f,
            `$TTL 3600\n${name} IN SOA ns.${name === '.' ? '' : name} h.${name === '.' ? '' : name} ${serial} 7200 3600 1209600 300\n${name} IN NS ns.${name === '.' ? 'root-servers.test.' : name}\n${extra}`,
          );
          return f;
        };
        const kinds = ['knot', 'nsd'] as const;
        const addr: Record<string, string> = { bind: '127.0.0.1', knot: '127.0.31.1', nsd: '127.0.31.2', dead: '127.0.31.3' };
        const tlds: { name: string; kind: string; allow: boolean }[] = [
          { name: 'bindopen.', kind: 'bind', allow: true },
          { name: 'bindshut.', kind: 'bind', allow: false },
          ...kinds.flatMap((k) => [
            { name: `${k}open.`, kind: k, allow: true },
            { name: `${k}shut.`, kind: k, allow: false },
          ]),
          { name: 'deadtld.', kind: 'dead', allow: true },
        ];
        let root = '';
        for (const t of tlds) root += `${t.name} IN NS ns.${t.name}\nns.${t.name} IN A ${addr[t.kind]}\n`;
        root += `ns.root-servers.test. IN A 127.0.0.1\n`;
        const rootFile = zone('.', 2026112700, root);
        const files = new Map(tlds.map((t) => [t.name, zone(t.name, 7, `ns.${t.name} IN A ${addr[t.kind]}\nwww.${t.name} IN A 192.0.2.7\n`)]));
        servers.push(
          await startServer('bind', {
            address: addr.bind,
            port,
            zones: [
              { name: '.', file: rootFile, allowTransfer: true },
              ...tlds.filter((t) => t.kind === 'bind').map((t) => ({ name: t.name, file: files.get(t.name)!, allowTransfer: t.allow })),
            ],
          }),
        );
        for (const k of kinds) {
          servers.push(
            await startServer(k, {
              address: addr[k],
              port,
              zones: tlds.filter((t) => t.kind === k).map((t) => ({ name: t.name, file: files.get(t.name)!, allowTransfer: t.allow })),
            }),
          );
        }
        report = await scan({
          roots: [{ host: '127.0.0.1', port }],
          port,
          zones: [],
          fallbackZones: [],
          family: 'any',
          exclusions: emptyExclusions(),
          concurrency: 16,
          perAddress: 2,
          limits: LIMITS,
          dnssec: false,
          memoryBudget: 64 << 20,
          out: path.join(dir, 'results'),
        });
      }, 180_000);
      afterAll(async () => {
        for (const s of servers) await s.stop();
        await stopAllServers();
      });

      it('reports the right outcome for each server', () => {
        const got = Object.fromEntries(report.targets.map((t) => [t.zone, t.outcome]));
        expect(got['.']).toBe('transferred');
        expect(got['bindopen.']).toBe('transferred');
        expect(got['bindshut.']).toBe('refused');
        expect(got['knotopen.']).toBe('transferred');
        expect(got['knotshut.']).toBe('notauth');
        expect(got['nsdopen.']).toBe('transferred');
        expect(got['nsdshut.']).toBe('refused');
        expect(got['deadtld.']).toBe('connection-refused');
        const texts = report.targets
          .filter((t) => t.outcome === 'transferred' && t.zone !== '.')
          .map((t) => fs.readFileSync(path.join(dir, 'results', t.file!), 'latin1'));
        for (const t of texts) expect(t).toMatch(/^\w+\.\t3600\tIN\tSOA\t/);
      });
    }),
  ),
);
