import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transfer } from '../../src/axfr/transfer.js';
import type { TransferLimits } from '../../src/axfr/limits.js';
import { frame, MessageFramer } from '../../src/dns/framing.js';
import { decodeMessage, type WireRecord } from '../../src/dns/message.js';
import { textToName } from '../../src/dns/name.js';
import { TYPE } from '../../src/dns/types.js';
import { AXFR_BEHAVIOURS, AuthServer, staticZone, type AxfrBehaviour, type ZoneContent } from '../../src/lab/authserver.js';
import { buildQuery, canonicalText, dig, describeWithTools, query, tcpExchange, udpExchange } from '../support/lab-tools.js';

const n = (t: string) => textToName(t);
const rec = (owner: string, type: number, rdata: Buffer, ttl = 3600): WireRecord => ({ owner: n(owner), type, class: 1, ttl, rdata });
const a = (ip: string) => Buffer.from(ip.split('.').map(Number));
const txt = (s: string) => Buffer.concat([Buffer.from([s.length]), Buffer.from(s)]);

function soa(zone: string, serial: number): WireRecord {
  const tail = Buffer.alloc(20);
  tail.writeUInt32BE(serial, 0);
  tail.writeUInt32BE(1800, 4);
  tail.writeUInt32BE(900, 8);
  tail.writeUInt32BE(604800, 12);
  tail.writeUInt32BE(300, 16);
  return rec(zone, TYPE.SOA, Buffer.concat([n(`ns1.${zone === '.' ? '' : zone}`), n(`hostmaster.${zone === '.' ? '' : zone}`), tail]));
}

/** example.: apex, glue for its server, names, an empty non-terminal, a delegation with glue and DS, a big RRset. */
function exampleRecords(extra = 0): WireRecord[] {
  const r: WireRecord[] = [
    soa('example.', 2024010101),
    rec('example.', TYPE.NS, n('ns1.example.')),
    rec('example.', TYPE.NS, n('ns.elsewhere.test.')),
    rec('ns1.example.', TYPE.A, a('192.0.2.53')),
    rec('ns1.example.', TYPE.AAAA, Buffer.from('20010db8000000000000000000000053', 'hex')),
    rec('www.example.', TYPE.A, a('192.0.2.80')),
    rec('x.ent.example.', TYPE.TXT, txt('below an empty non-terminal')),
    rec('sub.example.', TYPE.NS, n('ns.sub.example.')),
    rec('sub.example.', TYPE.DS, Buffer.concat([Buffer.from([0x30, 0x39, 13, 2]), Buffer.alloc(32, 7)])),
    rec('ns.sub.example.', TYPE.A, a('192.0.2.54')),
  ];
  for (let i = 0; i < 12; i++) r.push(rec('big.example.', TYPE.TXT, txt(`${i} `.padEnd(60, 'x'))));
  for (let i = 0; i < extra; i++) r.push(rec(`h${i}.example.`, TYPE.A, a(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`)));
  return r;
}

const ROOT_RECORDS: WireRecord[] = [
  soa('.', 2026010100),
  rec('.', TYPE.NS, n('ns1.')),
  rec('example.', TYPE.NS, n('ns1.example.')),
  rec('ns1.example.', TYPE.A, a('192.0.2.53')),
];

const BASE = '127.1.250.';
const ROOT_ADDR = `${BASE}1`;
const BOTH_ADDR = `${BASE}2`;
const CLOSED_ADDR = `${BASE}3`;
const behaviourAddr = (i: number) => `127.1.251.${i + 1}`;

const LIMITS: Partial<TransferLimits> = { idleTimeoutMs: 500, deadlineMs: 2000, connectTimeoutMs: 1000 };

describe('AuthServer', () => {
  let server: AuthServer;
  let port: number;
  const example: ZoneContent = staticZone('example#1', exampleRecords());
  const exampleBig: ZoneContent = staticZone('example#big', exampleRecords(2000));
  const root: ZoneContent = staticZone('root#1', ROOT_RECORDS);

  beforeAll(async () => {
    server = new AuthServer({ port: 0, drip: { intervalMs: 100, steps: 50 } });
    await server.configure([
      { address: ROOT_ADDR, zones: [{ content: root, axfr: 'allow' }] },
      {
        address: BOTH_ADDR,
        zones: [
          { content: root, axfr: 'refused' },
          { content: example, axfr: 'allow' },
        ],
      },
      { address: CLOSED_ADDR, tcpClosed: true, zones: [{ content: example, axfr: 'allow' }] },
      { address: '::1', zones: [{ content: example, axfr: 'allow' }] },
      ...AXFR_BEHAVIOURS.map((b, i) => ({
        address: behaviourAddr(i),
        zones: [{ content: b === 'one-message' || b === 'one-per-message' ? exampleBig : example, axfr: b }],
      })),
    ]);
    port = server.port;
  });
  afterAll(() => server.stop());

  it('listens on one port on every address', () => {
    expect(port).toBeGreaterThan(0);
    expect(server.addresses).toContain('::1');
    expect(server.addresses).toHaveLength(4 + AXFR_BEHAVIOURS.length);
  });

  for (const tcp of [false, true]) {
    const via = tcp ? 'TCP' : 'UDP';
    it(`answers SOA authoritatively over ${via}`, async () => {
      const { packet } = await query(BOTH_ADDR, port, 'example', 'SOA', { tcp });
      expect(packet.rcode).toBe('NOERROR');
      expect(packet.flag_aa).toBe(true);
      expect(packet.answers).toHaveLength(1);
      expect(packet.answers![0]).toMatchObject({ name: 'example', type: 'SOA', data: { serial: 2024010101 } });
    });

    it(`answers NS with glue in the additional section over ${via}`, async () => {
      const { packet } = await query(BOTH_ADDR, port, 'example', 'NS', { tcp });
      expect(packet.answers!.map((r) => (r as { data: string }).data).sort()).toEqual(['ns.elsewhere.test', 'ns1.example']);
      expect(packet.additionals!.map((r) => r.type).sort()).toEqual(['A', 'AAAA']);
    });
  }

  it('answers A and AAAA, and NODATA with the SOA for a type the name lacks', async () => {
    const aRes = await query(BOTH_ADDR, port, 'www.example', 'A');
    expect(aRes.packet.answers).toMatchObject([{ type: 'A', data: '192.0.2.80' }]);
    const six = await query(BOTH_ADDR, port, 'ns1.example', 'AAAA');
    expect(six.packet.answers).toMatchObject([{ type: 'AAAA', data: '2001:db8::53' }]);
    const none = await query(BOTH_ADDR, port, 'www.example', 'AAAA');
    expect(none.packet.rcode).toBe('NOERROR');
    expect(none.packet.answers).toHaveLength(0);
    expect(none.packet.authorities).toMatchObject([{ type: 'SOA', ttl: 300 }]);
  });

  it('answers NXDOMAIN with the SOA, and NODATA at an empty non-terminal', async () => {
    const nx = await query(BOTH_ADDR, port, 'nope.example', 'A');
    expect(nx.packet.rcode).toBe('NXDOMAIN');
    expect(nx.packet.flag_aa).toBe(true);
    expect(nx.packet.authorities).toMatchObject([{ type: 'SOA' }]);
    const ent = await query(BOTH_ADDR, port, 'ent.example', 'A');
    expect(ent.packet.rcode).toBe('NOERROR');
    expect(ent.packet.answers).toHaveLength(0);
  });

  it('refers below a zone cut: NS in authority, glue in additional, AA clear', async () => {
    const { packet } = await query(BOTH_ADDR, port, 'www.sub.example', 'A');
    expect(packet.rcode).toBe('NOERROR');
    expect(packet.flag_aa).toBe(false);
    expect(packet.answers).toHaveLength(0);
    expect(packet.authorities).toMatchObject([{ name: 'sub.example', type: 'NS', data: 'ns.sub.example' }]);
    expect(packet.additionals).toMatchObject([{ name: 'ns.sub.example', type: 'A', data: '192.0.2.54' }]);
  });

  it('answers DS at a cut from the parent, authoritatively', async () => {
    const { packet } = await query(BOTH_ADDR, port, 'sub.example', 'DS');
    expect(packet.flag_aa).toBe(true);
    expect(packet.answers).toMatchObject([{ type: 'DS' }]);
  });

  it('answers from the most specific zone served at the address; the root alone refers', async () => {
    const here = await query(BOTH_ADDR, port, 'www.example', 'A');
    expect(here.packet.flag_aa).toBe(true);
    const atRoot = await query(ROOT_ADDR, port, 'www.example', 'A');
    expect(atRoot.packet.flag_aa).toBe(false);
    expect(atRoot.packet.authorities).toMatchObject([{ name: 'example', type: 'NS' }]);
    expect(atRoot.packet.additionals).toMatchObject([{ name: 'ns1.example', type: 'A' }]);
  });

  it('refuses names in no zone served at the address', async () => {
    const { packet } = await query(behaviourAddr(0), port, 'www.example.org', 'A');
    expect(packet.rcode).toBe('REFUSED');
    const tcp = await query(behaviourAddr(0), port, 'org', 'SOA', { tcp: true });
    expect(tcp.packet.rcode).toBe('REFUSED');
  });

  it('truncates UDP answers over 512 bytes (TC, no records) and answers them whole over TCP', async () => {
    const udp = await query(BOTH_ADDR, port, 'big.example', 'TXT');
    expect(udp.raw.length).toBeLessThanOrEqual(512);
    expect(udp.packet.flag_tc).toBe(true);
    expect(udp.packet.answers).toHaveLength(0);
    expect(udp.packet.questions).toMatchObject([{ name: 'big.example', type: 'TXT' }]);
    const tcp = await query(BOTH_ADDR, port, 'big.example', 'TXT', { tcp: true });
    expect(tcp.packet.flag_tc).toBe(false);
    expect(tcp.packet.answers).toHaveLength(12);
  });

  it('answers FORMERR to AXFR over UDP, and FORMERR to garbage', async () => {
    const { packet } = await query(BOTH_ADDR, port, 'example', 'AXFR');
    expect(packet.rcode).toBe('FORMERR');
    const garbage = Buffer.concat([buildQuery('example', 'A', 99), Buffer.from([1, 2, 3])]);
    const r = await udpExchange(BOTH_ADDR, port, garbage);
    expect(r.readUInt16BE(0)).toBe(99);
    expect(r.readUInt16BE(2) & 0xf).toBe(1);
  });

  it('answers several queries on one TCP connection, in order', async () => {
    const res = await tcpExchange(BOTH_ADDR, port, [buildQuery('example', 'SOA', 1), buildQuery('example', 'NS', 2), buildQuery('www.example', 'A', 3)]);
    expect(res.map((m) => m.readUInt16BE(0))).toEqual([1, 2, 3]);
    const decoded = res.map((m) => decodeMessage(m));
    expect(decoded.every((d) => d.ok)).toBe(true);
  });

  it('answers over ::1', async () => {
    const { packet } = await query('::1', port, 'example', 'SOA', { tcp: true });
    expect(packet.answers).toMatchObject([{ type: 'SOA' }]);
    const r = await transfer({ zone: n('example.'), server: { host: '::1', port }, limits: LIMITS });
    expect(r.outcome.kind).toBe('transferred');
    r.zone?.dispose();
  });

  it('answers NOTAUTH to AXFR of a zone it does not serve', async () => {
    const r = await transfer({ zone: n('org.'), server: { host: BOTH_ADDR, port }, limits: LIMITS });
    expect(r.outcome.kind).toBe('notauth');
  });

  it('refuses TCP connections at a closed address, and still answers UDP there', async () => {
    const r = await transfer({ zone: n('example.'), server: { host: CLOSED_ADDR, port }, limits: LIMITS });
    expect(r.outcome.kind).toBe('connection-refused');
    const { packet } = await query(CLOSED_ADDR, port, 'example', 'SOA');
    expect(packet.answers).toHaveLength(1);
  });

  const expectedKind: Record<AxfrBehaviour, string> = {
    allow: 'transferred',
    refused: 'refused',
    notauth: 'notauth',
    silent: 'timeout',
    close: 'truncated',
    reset: 'reset',
    'older-serial': 'transferred',
    'different-content': 'transferred',
    'one-per-message': 'transferred',
    'one-message': 'transferred',
    'out-of-zone': 'transferred',
    drip: 'timeout',
  };

  it("shows every AXFR behaviour to zonelog's client as its outcome", async () => {
    server.resetStats();
    const results = await Promise.all(
      AXFR_BEHAVIOURS.map(async (b, i) => {
        const r = await transfer({ zone: n('example.'), server: { host: behaviourAddr(i), port }, limits: LIMITS });
        r.zone?.dispose();
        return [b, r.outcome] as const;
      }),
    );
    for (const [b, o] of results) {
      expect({ b, kind: o.kind }).toEqual({ b, kind: expectedKind[b] });
      if (o.kind !== 'transferred') continue;
      const size = b === 'one-message' || b === 'one-per-message' ? exampleBig.size! : example.size!;
      expect(o.counts.kept).toBe(size);
      expect(o.counts.outOfZone).toBe(b === 'out-of-zone' ? 3 : 0);
      if (b === 'one-per-message') expect(o.messages).toBe(size + 1);
      if (b === 'one-message') expect(o.messages).toBe(1);
    }
    AXFR_BEHAVIOURS.forEach((_, i) => {
      expect(server.axfrQueries('example.', behaviourAddr(i))).toBe(1);
      expect(server.connections(behaviourAddr(i)).peak).toBe(1);
    });
  });

  it('packs a normal transfer into messages of at most 32 KiB, the cached bytes again on a second transfer', async () => {
    const s = new AuthServer({ port: 0 });
    try {
      await s.configure([{ address: '127.1.252.1', zones: [{ content: staticZone('x', exampleRecords(20000)), axfr: 'allow' }] }]);
      const lengths: number[] = [];
      for (let k = 0; k < 2; k++) {
        const msgs = await rawAxfr('127.1.252.1', s.port, 'example.', 1000 + k);
        expect(msgs.every((m) => m.readUInt16BE(0) === 1000 + k)).toBe(true);
        lengths.push(msgs.length);
        expect(Math.max(...msgs.map((m) => m.length))).toBeLessThanOrEqual(32 * 1024);
        const records = msgs.reduce((sum, m) => sum + m.readUInt16BE(6), 0);
        expect(records).toBe(exampleRecords(20000).length + 1);
      }
      expect(lengths[0]).toBe(lengths[1]);
      expect(lengths[0]).toBeGreaterThan(10);
    } finally {
      await s.stop();
    }
  });

  it('counts connections in use and their peak per address', async () => {
    const addr = behaviourAddr(AXFR_BEHAVIOURS.indexOf('silent'));
    server.resetStats();
    const socks = await Promise.all([0, 1, 2].map(() => connect(addr, port)));
    // A connection counts once it has sent a query.
    await new Promise((r) => setTimeout(r, 50));
    expect(server.connections(addr)).toMatchObject({ current: 0, accepted: 3 });
    for (const s of socks) s.write(frame(buildQuery('example', 'SOA', 1)));
    await waitFor(() => server.connections(addr).current === 3);
    expect(server.connections(addr).peak).toBe(3);
    for (const s of socks) s.destroy();
    await waitFor(() => server.connections(addr).current === 0);
    expect(server.connections(addr)).toMatchObject({ current: 0, peak: 3, accepted: 3 });
  });

  it('serves a new configuration: behaviours change, addresses come and go', async () => {
    const s = new AuthServer({ port: 0 });
    try {
      await s.configure([{ address: '127.1.253.1', zones: [{ content: example, axfr: 'refused' }] }]);
      const p = s.port;
      expect((await transfer({ zone: n('example.'), server: { host: '127.1.253.1', port: p }, limits: LIMITS })).outcome.kind).toBe('refused');
      await s.configure([
        { address: '127.1.253.1', zones: [{ content: example, axfr: 'allow' }] },
        { address: '127.1.253.2', zones: [{ content: example, axfr: 'notauth' }] },
      ]);
      const r = await transfer({ zone: n('example.'), server: { host: '127.1.253.1', port: p }, limits: LIMITS });
      expect(r.outcome.kind).toBe('transferred');
      r.zone?.dispose();
      expect((await transfer({ zone: n('example.'), server: { host: '127.1.253.2', port: p }, limits: LIMITS })).outcome.kind).toBe('notauth');
      await s.configure([{ address: '127.1.253.2', zones: [] }]);
      expect((await transfer({ zone: n('example.'), server: { host: '127.1.253.1', port: p }, limits: LIMITS })).outcome.kind).toBe('connection-refused');
    } finally {
      await s.stop();
    }
  });

  it('stop() ends every connection at once, silent and dripping ones included, and closes every port', async () => {
    const s = new AuthServer({ port: 0, drip: { intervalMs: 1000, steps: 100 } });
    await s.configure([
      { address: '127.1.254.1', zones: [{ content: example, axfr: 'silent' }] },
      { address: '127.1.254.2', zones: [{ content: example, axfr: 'drip' }] },
    ]);
    const p = s.port;
    const slow = { idleTimeoutMs: 60_000, deadlineMs: 60_000 };
    const pending = [
      transfer({ zone: n('example.'), server: { host: '127.1.254.1', port: p }, limits: slow }),
      transfer({ zone: n('example.'), server: { host: '127.1.254.2', port: p }, limits: slow }),
    ];
    await waitFor(() => s.connections('127.1.254.1').current === 1 && s.connections('127.1.254.2').current === 1);
    await waitFor(() => s.axfrQueries('example.', '127.1.254.2') === 1);
    const t0 = Date.now();
    await s.stop();
    const outcomes = await Promise.all(pending);
    expect(Date.now() - t0).toBeLessThan(1000);
    for (const o of outcomes) expect(['truncated', 'reset']).toContain(o.outcome.kind);
    const after = await transfer({ zone: n('example.'), server: { host: '127.1.254.1', port: p }, limits: LIMITS });
    expect(after.outcome.kind).toBe('connection-refused');
  });

  it('binds only loopback addresses', async () => {
    const s = new AuthServer({ port: 0 });
    await expect(s.configure([{ address: '192.0.2.1', zones: [] }])).rejects.toThrow(/loopback/);
    await s.stop();
  });

  describeWithTools(['dig'], 'seen by dig', () => {
    it('transfers with dig, the same records', async () => {
      const r = await dig(BOTH_ADDR, port, 'example.', 'AXFR', '+onesoa');
      // dig counts the closing SOA too.
      expect(r.stdout).toMatch(/XFR size: 23 records \(messages 1,/);
      const lines = r.stdout.split('\n').filter((l) => l !== '' && !l.startsWith(';'));
      expect(lines).toHaveLength(22);
      expect(lines.filter((l) => /\tSOA\t/.test(l))).toHaveLength(1);
      expect(r.stdout).toContain('www.example.');
    });

    it('dig sees a truncated UDP answer and retries over TCP', async () => {
      const r = await dig(BOTH_ADDR, port, '+norec', 'big.example.', 'TXT');
      expect(r.stdout).toContain('Truncated, retrying in TCP mode');
      expect(r.stdout).toMatch(/ANSWER: 12,/);
    });

    it('dig gets REFUSED for a name in no zone', async () => {
      const r = await dig(behaviourAddr(0), port, '+norec', 'example.org.', 'A');
      expect(r.stdout).toContain('status: REFUSED');
    });
  });

  it('the static zone text is the records given', () => {
    const text = canonicalText(n('example.'), exampleRecords());
    expect(text.split('\n')[0]).toMatch(/^example\.\t3600\tIN\tSOA\t/);
  });
});

function connect(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port }, () => resolve(s));
    s.on('error', reject);
  });
}

async function waitFor(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The messages of one AXFR, read until the closing SOA (the second SOA record). */
function rawAxfr(host: string, port: number, zone: string, id: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const q = Buffer.from(buildQuery(zone.replace(/\.$/, ''), 'AXFR', id));
    const framer = new MessageFramer();
    const out: Buffer[] = [];
    let soas = 0;
    const s = net.connect({ host, port }, () => s.write(frame(q)));
    s.on('error', reject);
    s.on('data', (c: Buffer) => {
      framer.push(c);
      for (let m = framer.next(); m; m = framer.next()) {
        out.push(m);
        const d = decodeMessage(m);
        if (!d.ok) return reject(new Error(d.detail));
        soas += d.message.answers.filter((r) => r.type === TYPE.SOA).length;
        if (soas >= 2) {
          s.destroy();
          resolve(out);
        }
      }
    });
  });
}
