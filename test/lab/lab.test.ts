import net from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newestRootZoneFile } from '../support/corpus.js';
import { transfer } from '../../src/axfr/transfer.js';
import { axfrQuery } from '../../src/axfr/receiver.js';
import type { TransferLimits } from '../../src/axfr/limits.js';
import { MessageFramer, frame } from '../../src/dns/framing.js';
import { decodeMessage } from '../../src/dns/message.js';
import { TYPE } from '../../src/dns/types.js';
import { textToName } from '../../src/dns/name.js';
import { AXFR_BEHAVIOURS } from '../../src/lab/authserver.js';
import { labSummary, runLab, startLab, type Lab } from '../../src/lab/lab.js';
import { INFRA_ZONE, rootRecords, zoneRecords, type Behaviour, type ClientLimits, type ExpectedTarget } from '../../src/lab/world.js';
import { canonicalText, describeWithTools, dig, kdig, ldnsCanonical } from '../support/lab-tools.js';

const LIMITS: Partial<TransferLimits> = { idleTimeoutMs: 500, deadlineMs: 2000, connectTimeoutMs: 1000 };
/*
 * For many transfers at once: client and server share this process's event loop, and
 * at full speed one poll phase can take a few hundred ms (libuv reads up to 32 × 64 KiB
 * per socket per phase), so the idle limit gets some room. Drip (200 ms × 40 pieces)
 * still outlasts the deadline, and silent still outlasts the idle limit.
 */
const MANY: ClientLimits & Partial<TransferLimits> = { idleTimeoutMs: 1500, deadlineMs: 4000, connectTimeoutMs: 2000 };
const EVERY = Object.fromEntries(AXFR_BEHAVIOURS.map((b) => [b, 1]));

/** Records printed by dig/kdig (no comments, no blank lines). */
const recordLines = (out: string) => out.split('\n').filter((l) => l.trim() !== '' && !l.startsWith(';'));

/** Runs `fn` over items, at most `limit` at a time. */
async function pool<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

describe('the lab', () => {
  let lab: Lab;
  const target = (b: Behaviour): ExpectedTarget => {
    const t = lab.expected.find((x) => x.behaviour === b && x.zone !== '.');
    if (!t) throw new Error(`no target with behaviour ${b}`);
    return t;
  };

  beforeAll(async () => {
    lab = await startLab({ port: 0, zones: 40, seed: 21, mix: EVERY, closedAddresses: 1, clientLimits: LIMITS, drip: { intervalMs: 200, steps: 40 } });
  });
  afterAll(() => lab.stop());

  it('has a target for every behaviour', () => {
    for (const b of [...AXFR_BEHAVIOURS, 'closed' as const]) expect(() => target(b)).not.toThrow();
    expect(lab.rootAddresses).toHaveLength(13);
    expect(lab.rootServers[0]).toBe(`${lab.rootAddresses[0]}:${lab.port}`);
  });

  it('summarises itself for `zonelog lab`', () => {
    const s = labSummary(lab);
    expect(s).toContain(`root servers: ${lab.rootServers.join(' ')}`);
    expect(s).toMatch(/zones: root \(serial \d+\) \+ 42 TLDs/);
    expect(s).toContain('allow ');
    expect(s).toContain(`--port ${lab.port}`);
  });

  it("gives zonelog's client the expected outcome at every target, and counts the queries", async () => {
    lab.resetStats();
    const expected = lab.expectedFor(MANY);
    expect(new Set(expected.map((t) => t.expected))).toEqual(
      new Set(['transferred', 'refused', 'notauth', 'timeout', 'truncated', 'reset', 'connection-refused']),
    );
    const results = await pool(expected, 12, async (t) => {
      const r = await transfer({ zone: textToName(t.zone), server: { host: t.address, port: lab.port }, limits: MANY });
      r.zone?.dispose();
      return { t, o: r.outcome };
    });
    for (const { t, o } of results) {
      const where = `${t.zone} at ${t.address} (${t.behaviour})`;
      expect(o.kind, where).toBe(t.expected);
      if (o.kind === 'transferred') {
        expect(o.serial, where).toBe(t.serial);
        expect(o.counts.kept, where).toBe(t.records);
        expect(o.counts.outOfZone, where).toBe(t.outOfZone);
      }
    }
    const perPair = new Map<string, number>();
    for (const t of expected) if (t.behaviour !== 'closed') perPair.set(`${t.zone} ${t.address}`, (perPair.get(`${t.zone} ${t.address}`) ?? 0) + 1);
    for (const [k, n] of perPair) {
      const [zone, address] = k.split(' ') as [string, string];
      expect(lab.axfrQueries(zone, address), k).toBe(n);
    }
  });

  it('counts open and peak connections per address (politeness)', async () => {
    // The busiest address, its targets transferred two at a time.
    const byAddr = new Map<string, ExpectedTarget[]>();
    for (const t of lab.expected) if (t.behaviour !== 'closed') byAddr.set(t.address, [...(byAddr.get(t.address) ?? []), t]);
    const [address, targets] = [...byAddr].sort((a, b) => b[1].length - a[1].length)[0]!;
    expect(targets.length).toBeGreaterThan(4);
    lab.resetStats();
    await pool(targets, 2, async (t) =>
      (await transfer({ zone: textToName(t.zone), server: { host: address, port: lab.port }, limits: LIMITS })).zone?.dispose(),
    );
    await new Promise((r) => setTimeout(r, 50));
    const c = lab.connections(address);
    expect(c).toMatchObject({ peak: 2, current: 0, peakTransfers: 2, transfers: 0, accepted: targets.length });
    for (const t of targets) expect(lab.axfrQueries(t.zone, address)).toBeGreaterThanOrEqual(1);
  });

  describeWithTools(['dig', 'kdig', 'ldns-read-zone'], 'seen by dig, kdig and ldns', () => {
    const root = () => lab.rootAddresses[0]!;

    for (const tcp of [false, true]) {
      const via = tcp ? '+tcp' : '+notcp';
      it(`answers SOA and NS at the root and at a TLD server (${tcp ? 'TCP' : 'UDP'}), to dig and kdig`, async () => {
        const soa = await dig(root(), lab.port, '+norec', via, '.', 'SOA');
        expect(soa.stdout).toContain('status: NOERROR');
        expect(soa.stdout).toMatch(/flags: qr aa;/);
        expect(soa.stdout).toMatch(new RegExp(`\\.\\s+86400\\s+IN\\s+SOA\\s+a\\.root-servers\\.lab-net\\. nstld\\.lab-net\\. ${lab.world.root.serial} `));
        const t = target('allow');
        const spec = lab.world.tlds.get(t.zone)!;
        const tsoa = await kdig(t.address, lab.port, '+norec', tcp ? '+tcp' : '+notcp', t.zone, 'SOA');
        expect(tsoa.stdout).toContain('status: NOERROR');
        expect(tsoa.stdout).toMatch(new RegExp(`SOA\\s+\\S+ hostmaster\\.\\S+ ${t.serial} `));
        const ns = await dig(t.address, lab.port, '+norec', via, t.zone, 'NS');
        expect(ns.stdout).toMatch(/flags: qr aa;/);
        const names = recordLines(ns.stdout)
          .filter((l) => /\tNS\t/.test(l))
          .map((l) => l.split(/\s+/).pop())
          .sort();
        expect(names).toEqual([...spec.nsNames].sort());
      });
    }

    it('refers from the root with glue', async () => {
      // arpa. is served by the root servers themselves, so the root answers for it instead of referring.
      const t = lab.expected.find(
        (x) => x.zone !== '.' && x.zone !== 'arpa.' && lab.world.tlds.get(x.zone)!.nsNames.every((n) => lab.world.hosts.get(n)!.glue),
      )!;
      const spec = lab.world.tlds.get(t.zone)!;
      const r = await dig(root(), lab.port, '+norec', `www.${t.zone}`, 'A');
      expect(r.stdout).toContain('status: NOERROR');
      expect(r.stdout).toMatch(/flags: qr;/);
      expect(r.stdout).toMatch(new RegExp(`AUTHORITY: ${spec.nsNames.length},`));
      const glue = recordLines(r.stdout)
        .filter((l) => /\tA\t/.test(l))
        .map((l) => l.split(/\s+/))
        .map((p) => `${p[0]} ${p[4]}`)
        .sort();
      const want = spec.nsNames.flatMap((n) => lab.world.hosts.get(n)!.v4.map((a) => `${n} ${a}`)).sort();
      expect(glue).toEqual(want);
    });

    it('resolves a glue-less server by iteration: root → lab-net. referral → answer', async () => {
      const host = [...lab.world.hosts.values()].find((h) => !h.glue && [...lab.world.tlds.values()].some((z) => z.nsNames.includes(h.name)))!;
      const ref = await dig(root(), lab.port, '+norec', host.name, 'A');
      expect(ref.stdout).toMatch(/flags: qr;/);
      expect(ref.stdout).toMatch(new RegExp(`${INFRA_ZONE.replace('.', '\\.')}\\s+\\d+\\s+IN\\s+NS\\s+ns1\\.lab-net\\.`));
      const glue = recordLines(ref.stdout).find((l) => l.startsWith('ns1.lab-net.') && /\tA\t/.test(l))!;
      const infraAddr = glue.split(/\s+/).pop()!;
      const ans = await dig(infraAddr, lab.port, '+norec', host.name, 'A');
      expect(ans.stdout).toMatch(/flags: qr aa;/);
      expect(recordLines(ans.stdout).map((l) => l.split(/\s+/).pop())).toEqual(host.v4);
    });

    it("transfers an allowed zone with dig and kdig: through ldns-read-zone -z, the world's zone", async () => {
      const t = target('allow');
      const want = await ldnsCanonical(canonicalText(textToName(t.zone), zoneRecords(lab.world, t.zone)));
      const d = await dig(t.address, lab.port, t.zone, 'AXFR', '+onesoa');
      expect(d.stdout).toContain('XFR size');
      expect(await ldnsCanonical(d.stdout)).toBe(want);
      const k = await kdig(t.address, lab.port, t.zone, 'AXFR');
      const kRecords = recordLines(k.stdout);
      expect(await ldnsCanonical(kRecords.slice(0, -1).join('\n') + '\n')).toBe(want);
      expect(want.split('\n').filter((l) => l !== '')).toHaveLength(t.records!);
    });

    it('transfers the root zone from the root server that allows it', async () => {
      const t = lab.expected.find((x) => x.zone === '.' && x.expected === 'transferred')!;
      const d = await dig(t.address, lab.port, '.', 'AXFR', '+onesoa');
      const want = await ldnsCanonical(canonicalText(textToName('.'), rootRecords(lab.world)));
      expect(await ldnsCanonical(d.stdout)).toBe(want);
      const refused = lab.expected.find((x) => x.zone === '.' && x.expected === 'refused')!;
      expect((await dig(refused.address, lab.port, '+comments', '.', 'AXFR')).stdout).toContain('status: REFUSED');
    });

    it('shows REFUSED and NOTAUTH to dig and kdig', async () => {
      for (const [b, rcode] of [
        ['refused', 'REFUSED'],
        ['notauth', 'NOTAUTH'],
      ] as const) {
        const t = target(b);
        const d = await dig(t.address, lab.port, '+comments', t.zone, 'AXFR');
        expect(d.stdout).toContain(`status: ${rcode}`);
        expect(d.stdout).toContain('; Transfer failed.');
        const k = await kdig(t.address, lab.port, t.zone, 'AXFR');
        expect(k.stdout + k.stderr).toContain(`'${rcode}'`);
      }
    });

    it('leaves dig waiting at a silent server, and at a dripping one', async () => {
      for (const b of ['silent', 'drip'] as const) {
        const t = target(b);
        const d = await dig(t.address, lab.port, '+tcp', '+time=1', '+tries=1', t.zone, 'AXFR');
        expect(d.stdout + d.stderr, b).toMatch(/timed out/);
        expect(d.stdout).not.toContain('XFR size');
      }
    });

    it('shows close, reset and a closed port to dig', async () => {
      const cases: [Behaviour, RegExp][] = [
        ['close', /end of file/],
        ['reset', /connection reset/],
        ['closed', /connection refused/],
      ];
      for (const [b, re] of cases) {
        const t = target(b);
        const d = await dig(t.address, lab.port, '+tries=1', t.zone, 'AXFR');
        expect(d.stdout + d.stderr, b).toMatch(re);
        expect(d.stdout).not.toContain('XFR size');
      }
    });

    it('packs messages as each behaviour says: one record per message, one message, the normal size', async () => {
      const size = (out: string) => {
        const m = /XFR size: (\d+) records \(messages (\d+), bytes (\d+)\)/.exec(out);
        if (!m) throw new Error(`no XFR size in ${out}`);
        return { records: Number(m[1]), messages: Number(m[2]), bytes: Number(m[3]) };
      };
      const one = target('one-per-message');
      const s1 = size((await dig(one.address, lab.port, one.zone, 'AXFR')).stdout);
      expect(s1.records).toBe(one.records! + 1);
      expect(s1.messages).toBe(s1.records);
      const all = target('one-message');
      const s2 = size((await dig(all.address, lab.port, all.zone, 'AXFR')).stdout);
      expect(s2.messages).toBe(Math.max(1, Math.ceil((s2.bytes - 2 * s2.messages) / 65535)));
      const normal = target('allow');
      const s3 = size((await dig(normal.address, lab.port, normal.zone, 'AXFR')).stdout);
      expect(s3.messages).toBe(Math.max(1, Math.ceil(s3.bytes / (32 * 1024 + 2))));
    });

    it('shows the injected, older and differing records to dig', async () => {
      const ooz = target('out-of-zone');
      const d1 = await dig(ooz.address, lab.port, ooz.zone, 'AXFR');
      expect(recordLines(d1.stdout).filter((l) => l.includes('.injected.invalid.'))).toHaveLength(3);

      const older = target('older-serial');
      const base = lab.expected.find((x) => x.zone === older.zone && x.behaviour === 'allow');
      const soa = await dig(older.address, lab.port, '+short', older.zone, 'SOA');
      expect(soa.stdout.trim().split(' ')[2]).toBe(String(older.serial));
      if (base) expect(base.serial).not.toBe(older.serial);

      const diff = target('different-content');
      const d3 = await dig(diff.address, lab.port, diff.zone, 'AXFR', '+onesoa');
      expect(d3.stdout).toContain(`_different.${diff.zone}`);
      const want = await ldnsCanonical(canonicalText(textToName(diff.zone), zoneRecords(lab.world, diff.zone, 'different')));
      expect(await ldnsCanonical(d3.stdout)).toBe(want);
    });

    it('advances time: mutate changes the served world', async () => {
      const before = lab.world;
      await lab.mutate(3);
      const after = lab.world;
      const soa = await dig(lab.rootAddresses[0]!, lab.port, '+short', '.', 'SOA');
      expect(soa.stdout.trim().split(' ')[2]).toBe(String(before.root.serial + 1));
      const gone = [...before.tlds.keys()].find((n) => !after.tlds.has(n))!;
      const added = [...after.tlds.keys()].find((n) => !before.tlds.has(n))!;
      expect((await dig(lab.rootAddresses[0]!, lab.port, '+norec', gone, 'NS')).stdout).toContain('status: NXDOMAIN');
      expect(lab.expected.some((t) => t.zone === gone)).toBe(false);
      const t = lab.expected.find((x) => x.zone === added)!;
      const r = await dig(t.address, lab.port, '+norec', added, 'SOA');
      expect(r.stdout).toMatch(/flags: qr aa;/);
      // The client sees the new world as expected.
      const results = await pool(
        lab.expected.filter((x) => ['transferred', 'refused', 'notauth'].includes(x.expected)),
        12,
        async (x) => {
          const o = await transfer({ zone: textToName(x.zone), server: { host: x.address, port: lab.port }, limits: MANY });
          o.zone?.dispose();
          return [x, o.outcome] as const;
        },
      );
      for (const [x, o] of results) {
        expect(o.kind, `${x.zone} ${x.address}`).toBe(x.expected);
        if (o.kind === 'transferred') expect(o.serial).toBe(x.serial);
      }
    });
  });
});

describe('a lab with a million-record zone', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ port: 0, zones: 2, seed: 4, mix: { allow: 1 }, sizes: (_z, i) => (i === 0 ? 1_000_000 : 30) });
  });
  afterAll(() => lab.stop());

  /** One AXFR read raw: messages, records (ANCOUNT, closing SOA included) and bytes, until the closing SOA. */
  const pull = (host: string, zone: string) =>
    new Promise<{ messages: number; records: number; bytes: number; ms: number; last: Buffer }>((resolve, reject) => {
      const t0 = Date.now();
      const framer = new MessageFramer();
      let messages = 0;
      let records = 0;
      let bytes = 0;
      const s = net.connect({ host, port: lab.port }, () => s.write(frame(axfrQuery(textToName(zone), 1))));
      s.on('error', reject);
      s.on('data', (c: Buffer) => {
        bytes += c.length;
        framer.push(c);
        for (let m = framer.next(); m; m = framer.next()) {
          messages++;
          records += m.readUInt16BE(6);
          if (records === 1_000_001) {
            s.destroy();
            resolve({ messages, records, bytes, ms: Date.now() - t0, last: m });
          }
        }
      });
    });

  it('serves it whole at full speed: generated on the first transfer, from the cache after', async () => {
    const t = lab.expected.find((x) => x.records === 1_000_000)!;
    const first = await pull(t.address, t.zone);
    const again = await pull(t.address, t.zone);
    expect(again.bytes).toBe(first.bytes);
    expect(first.messages).toBeGreaterThan((1_000_000 * 40) / (32 * 1024));
    // The last message ends with the closing SOA.
    const d = decodeMessage(again.last);
    expect(d.ok && d.message.answers[d.message.answers.length - 1]!.type).toBe(TYPE.SOA);
    // About 1.5 s and 0.2 s on an idle machine; generous, as test machines are shared.
    expect(first.ms).toBeLessThan(20_000);
    expect(again.ms).toBeLessThan(10_000);
  });

  it("hands the million records to zonelog's client", async () => {
    const t = lab.expected.find((x) => x.records === 1_000_000)!;
    const r = await transfer({ zone: textToName(t.zone), server: { host: t.address, port: lab.port }, limits: { deadlineMs: 300_000 } });
    r.zone?.dispose();
    expect(r.outcome.kind).toBe('transferred');
    if (r.outcome.kind === 'transferred') expect(r.outcome.counts.kept).toBe(1_000_000);
  });
});

describe('runLab', () => {
  it('prints the root addresses and summary, serves until aborted, then stops', async () => {
    let out = '';
    const stdout = new Writable({
      write(c, _e, cb) {
        out += String(c);
        cb();
      },
    });
    const stderr = new Writable({
      write(_c, _e, cb) {
        cb();
      },
    });
    const ac = new AbortController();
    const done = runLab({ port: 0, zones: 5, seed: 2 }, { stdout, stderr }, ac.signal);
    const t0 = Date.now();
    while (!out.includes('scan it:')) {
      if (Date.now() - t0 > 5000) throw new Error('no summary');
      await new Promise((r) => setTimeout(r, 20));
    }
    const m = /root servers: (\S+):(\d+)/.exec(out)!;
    const [host, port] = [m[1]!, Number(m[2])];
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    expect(up).toBe(true);
    ac.abort();
    expect(await done).toBe(0);
    expect(out).toContain('zonelog lab: stopped');
    const after = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    expect(after).toBe(false);
  });

  it('says in one sentence why it cannot start, and returns 2', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen({ host: '127.1.0.1', port: 0 }, () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    let err = '';
    const sink = new Writable({
      write(_c, _e, cb) {
        cb();
      },
    });
    const stderr = new Writable({
      write(c, _e, cb) {
        err += String(c);
        cb();
      },
    });
    try {
      expect(await runLab({ port, zones: 3 }, { stdout: sink, stderr }, new AbortController().signal)).toBe(2);
      expect(err).toMatch(new RegExp(`^zonelog: the lab could not start: port ${port} is already in use`));
      expect(err.trim().split('\n')).toHaveLength(1);
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });
});

describe('a lab serving the real root zone of 2018', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ port: 0, seed: 1, rootZoneFile: await newestRootZoneFile(), clientLimits: LIMITS });
  }, 60_000);
  afterAll(async () => {
    await lab?.stop();
  });

  it('transfers the root from the servers that allow it, with the real TLDs', async () => {
    const t = lab.expected.find((x) => x.zone === '.' && x.expected === 'transferred')!;
    const r = await transfer({ zone: textToName('.'), server: { host: t.address, port: lab.port }, limits: LIMITS });
    expect(r.outcome.kind).toBe('transferred');
    if (r.outcome.kind === 'transferred') {
      expect(r.outcome.serial).toBe(t.serial);
      expect(r.outcome.counts.kept).toBe(t.records);
    }
    let text = '';
    for (const c of r.zone!.chunks()) text += c;
    r.zone!.dispose();
    expect(text).toMatch(/^fr\.\t172800\tIN\tNS\td\.nic\.fr\.$/m);
    expect(text).toMatch(/^xn--p1ai\.\t/m);
  });

  describeWithTools(['dig'], 'with dig', () => {
    it('refers from the root to a TLD with its servers mapped to loopback', async () => {
      const r = await dig(lab.rootAddresses[0]!, lab.port, '+norec', 'fr.', 'NS');
      expect(r.stdout).toMatch(/flags: qr;/);
      const glue = recordLines(r.stdout).filter((l) => /\tA\t/.test(l));
      expect(glue.length).toBeGreaterThan(0);
      for (const l of glue) expect(l.split(/\s+/).pop()).toMatch(/^127\./);
    });
  });
});
