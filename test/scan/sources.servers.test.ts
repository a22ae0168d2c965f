/**
 * The sources below the TLDs against real servers: BIND serves the root, arpa.,
 * in-addr.arpa. (both refusing transfer, so their children are found by NS
 * questions) and a TLD that allows transfer; BIND, Knot and NSD each serve an arpa
 * child and a public suffix zone; NSD also serves a zone that only the leaked
 * TLD's delegations name.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_LIMITS } from '../../src/axfr/limits.js';
import { emptyExclusions } from '../../src/scan/config.js';
import { publish } from '../../src/publish/publish.js';
import type { Report } from '../../src/scan/results.js';
import { scan } from '../../src/scan/scan.js';
import { DEFAULT_BUDGETS } from '../../src/scan/sources/budget.js';
import { parseSuffixList } from '../../src/scan/sources/psl.js';
import { describeServer, pickFreePort, startServer, stopAllServers, type RunningServer } from '../support/servers.js';
import { tempDir } from '../support/results.js';

const LIMITS = { ...DEFAULT_LIMITS, connectTimeoutMs: 1000, idleTimeoutMs: 1500, deadlineMs: 5000 };
const ADDR = { bind: '127.0.0.1', knot: '127.0.32.1', nsd: '127.0.32.2' } as const;
const NS = { bind: 'ns.root-servers.test.', knot: 'ns1.knot.test.', nsd: 'ns1.nsd.test.' } as const;
type Kind = keyof typeof ADDR;

/** Each zone: who serves it, whether it allows transfer, and the records besides SOA and NS. */
const ZONES: { name: string; kind: Kind; allow: boolean; extra?: string; ns?: string }[] = [
  {
    name: '.',
    kind: 'bind',
    allow: true,
    extra: [
      `${NS.bind} IN A ${ADDR.bind}`,
      `${NS.knot} IN A ${ADDR.knot}`,
      `${NS.nsd} IN A ${ADDR.nsd}`,
      `arpa. IN NS ${NS.bind}`,
      'srvtld. IN NS ns.srvtld.',
      `ns.srvtld. IN A ${ADDR.bind}`,
    ].join('\n'),
  },
  { name: 'arpa.', kind: 'bind', allow: false, extra: `in-addr.arpa. IN NS ${NS.bind}` },
  {
    name: 'in-addr.arpa.',
    kind: 'bind',
    allow: false,
    extra: [`62.in-addr.arpa. IN NS ${NS.bind}`, `193.in-addr.arpa. IN NS ${NS.knot}`, `202.in-addr.arpa. IN NS ${NS.nsd}`].join('\n'),
  },
  { name: '62.in-addr.arpa.', kind: 'bind', allow: true, extra: '1.2.62.in-addr.arpa. IN PTR host.example.' },
  { name: '193.in-addr.arpa.', kind: 'knot', allow: true, extra: '1.0.193.in-addr.arpa. IN PTR host.example.' },
  { name: '202.in-addr.arpa.', kind: 'nsd', allow: false },
  {
    name: 'srvtld.',
    kind: 'bind',
    allow: true,
    ns: 'ns.srvtld.',
    extra: [
      `ns.srvtld. IN A ${ADDR.bind}`,
      `com.srvtld. IN NS ${NS.bind}`,
      `gov.srvtld. IN NS ${NS.knot}`,
      `ac.srvtld. IN NS ${NS.nsd}`,
      'leak.srvtld. IN NS ns.leak.srvtld.',
      `ns.leak.srvtld. IN A ${ADDR.nsd}`,
      'www.srvtld. IN A 192.0.2.1',
    ].join('\n'),
  },
  { name: 'com.srvtld.', kind: 'bind', allow: true, extra: 'shop.com.srvtld. IN A 192.0.2.2' },
  { name: 'gov.srvtld.', kind: 'knot', allow: true, extra: 'tax.gov.srvtld. IN A 192.0.2.3' },
  { name: 'ac.srvtld.', kind: 'nsd', allow: true, extra: 'uni.ac.srvtld. IN A 192.0.2.4' },
  { name: 'leak.srvtld.', kind: 'nsd', allow: true, ns: 'ns.leak.srvtld.', extra: `ns.leak.srvtld. IN A ${ADDR.nsd}\nsecret.leak.srvtld. IN A 192.0.2.5` },
];
const SUFFIXES = '// ===BEGIN ICANN DOMAINS===\nsrvtld\ncom.srvtld\ngov.srvtld\nac.srvtld\nnet.srvtld\n// ===END ICANN DOMAINS===\n';

describeServer('bind', 'sources below the TLDs against BIND', () =>
  describeServer('knot', 'Knot', () =>
    describeServer('nsd', 'and NSD', () => {
      const servers: RunningServer[] = [];
      let dir: string;
      let report: Report;

      beforeAll(async () => {
        dir = tempDir();
        const port = await pickFreePort('127.0.0.1');
        const files = new Map<string, string>();
        for (const z of ZONES) {
          const f = path.join(dir, `${z.name === '.' ? 'root' : z.name}zone`);
          const ns = z.ns ?? NS[z.kind];
          fs.writeFileSync(
            f,
            `$TTL 3600\n${z.name} IN SOA ${ns} hostmaster.${z.name === '.' ? '' : z.name} 7 7200 3600 1209600 300\n${z.name} IN NS ${ns}\n${z.extra ?? ''}\n`,
          );
          files.set(z.name, f);
        }
        for (const kind of ['bind', 'knot', 'nsd'] as const) {
          const zones = ZONES.filter((z) => z.kind === kind).map((z) => ({ name: z.name, file: files.get(z.name)!, allowTransfer: z.allow }));
          servers.push(await startServer(kind, { address: ADDR[kind], port, zones }));
        }
        report = await scan({
          roots: [{ host: ADDR.bind, port }],
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
          sources: { suffixes: parseSuffixList(SUFFIXES).suffixes, leakedMaxDelegations: 100, budgets: DEFAULT_BUDGETS },
        });
      }, 180_000);
      afterAll(async () => {
        for (const s of servers) await s.stop();
        await stopAllServers();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
      });

      it("finds the arpa children by NS questions, the suffix zones that are cuts, and the leaked TLD's other zone", () => {
        const got = Object.fromEntries(report.targets.map((t) => [t.zone, `${t.source} ${t.outcome}`]));
        expect(got).toEqual({
          '.': 'root transferred',
          'srvtld.': 'root transferred',
          'arpa.': 'arpa refused',
          'in-addr.arpa.': 'arpa refused',
          '62.in-addr.arpa.': 'arpa transferred',
          '193.in-addr.arpa.': 'arpa transferred',
          '202.in-addr.arpa.': 'arpa refused',
          'com.srvtld.': 'psl transferred',
          'gov.srvtld.': 'psl transferred',
          'ac.srvtld.': 'psl transferred',
          'leak.srvtld.': 'leaked transferred',
        });
        const parents = (report.discovery.sources as { arpa: { parents: Record<string, { via: string; children: number }> } }).arpa.parents;
        expect(parents['arpa.']).toEqual({ via: 'ns-queries', children: 1 });
        expect(parents['in-addr.arpa.']).toEqual({ via: 'ns-queries', children: 3 });
        // Questions go to the parents' servers (all BIND here); Knot and NSD only get the transfers.
        expect(report.discovery.addressesAsked).toEqual([ADDR.bind]);
      });

      it('publishes them in one archive, named after the zones and grouped by source', async () => {
        const archive = path.join(dir, 'archive');
        const r = await publish({
          dirs: [path.join(dir, 'results')],
          archiveDir: archive,
          splitBytes: 40e6,
          commit: false,
          push: false,
          remote: 'origin',
          env: process.env,
        });
        expect(r.ok).toBe(true);
        for (const f of ['193.in-addr.arpa.zone', '62.in-addr.arpa.zone', 'gov.srvtld.zone', 'leak.srvtld.zone'])
          expect(fs.existsSync(path.join(archive, f)), f).toBe(true);
        expect(fs.readFileSync(path.join(archive, '193.in-addr.arpa.zone'), 'latin1')).toContain('1.0.193.in-addr.arpa.\t3600\tIN\tPTR\thost.example.');
        const readme = fs.readFileSync(path.join(archive, 'README.md'), 'utf8');
        expect(readme.split('\n').filter((l) => l.startsWith('## '))).toEqual([
          '## The root and the TLDs (2)',
          '## The arpa tree (2)',
          '## Public suffixes (3)',
          '## Below leaked zones (1)',
        ]);
      });
    }),
  ),
);
