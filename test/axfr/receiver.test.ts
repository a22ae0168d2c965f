/**
 * The transfer's protocol without a socket (docs/architecture.md §4.1): the
 * hostile-server cases that are about the bytes alone. Each case is a script of
 * what a server writes; its bytes are framed and fed to AxfrReceiver, message by
 * message, as the driver does. What needs a socket or a clock (closed
 * connections, timeouts, resets, the byte limit, the query on the wire, the
 * command's output) is in transfer.test.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AxfrReceiver, type ReceiverEnd } from '../../src/axfr/receiver.js';
import type { FailureKind } from '../../src/axfr/outcome.js';
import { FLAG_AA, FLAG_QR, FLAG_TC, encodeMessage } from '../../src/lab/encode.js';
import { MessageFramer } from '../../src/dns/framing.js';
import { textToName } from '../../src/dns/name.js';
import { CLASS_CH, TYPE } from '../../src/dns/types.js';
import { type ByteScript, RawMessage, type Responder, answerBytes, label, ptr, rdata, rr, smallZone, soaRecord } from '../support/badserver.js';
import { BODY, EXPECTED, EXPECTED_LINES, FULL, SERIAL, SOA, ZONE, messagesOf, serve } from '../support/zone-streams.js';

const name = (text: string) => textToName(text);
const TRAILER = Buffer.from([0]);

interface Run {
  /** The receiver's last answer, and the outcome with the messages it was fed. */
  end: ReceiverEnd | 'more';
  api: { outcome: (ReceiverEnd['outcome'] & { messages: number }) | { kind: 'more'; messages: number } };
  text: string | undefined;
  records: number | undefined;
  /** What is left in the sort's folder afterwards. */
  leftovers: string[];
}

/** Runs a script's bytes through a receiver for `zone`, message by message, until it ends. */
async function runCase(script: ByteScript, zone = 'example.'): Promise<Run> {
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonelog-receiver-'));
  try {
    const receiver = new AxfrReceiver(textToName(zone), 0x1234, { maxRecords: 1_000_000, tmpDir });
    const framer = new MessageFramer();
    framer.push(await answerBytes(script, receiver.query));
    let end: ReceiverEnd | 'more' = 'more';
    let messages = 0;
    for (let msg = framer.next(); msg !== undefined && end === 'more'; msg = framer.next()) {
      messages++;
      end = receiver.receive(msg);
    }
    let text: string | undefined;
    let records: number | undefined;
    if (end !== 'more' && end.zone) {
      try {
        text = [...end.zone.chunks()].join('');
        records = end.zone.written;
      } finally {
        end.zone.dispose();
      }
    } else receiver.dispose();
    const outcome = end === 'more' ? { kind: 'more' as const, messages } : { ...end.outcome, messages };
    return { end, api: { outcome }, text, records, leftovers: fs.readdirSync(tmpDir) };
  } finally {
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
}

function expectFailure(run: Run, kind: FailureKind, detail?: RegExp): void {
  const outcome = run.api.outcome;
  expect(outcome.kind, JSON.stringify(outcome)).toBe(kind);
  expect(run.text).toBeUndefined();
  if (detail && 'detail' in outcome) expect(outcome.detail).toMatch(detail);
  expect(run.leftovers, 'no sort runs left behind').toEqual([]);
}

function expectTransferred(run: Run, text = EXPECTED, lines = EXPECTED_LINES): void {
  expect(run.api.outcome.kind, JSON.stringify(run.api.outcome)).toBe('transferred');
  expect(run.api.outcome).toMatchObject({ serial: SERIAL });
  expect(run.text).toBe(text);
  expect(run.records).toBe(lines);
  expect(run.leftovers).toEqual([]);
}

describe('receiver: well-formed streams', () => {
  it('ignores records after the closing SOA in the same message', async () => {
    const after = [rr('late.example.', 'A', rdata.a('192.0.2.99')), rr('example.', 'NS', rdata.ns('ns3.example.'))];
    expectTransferred(await runCase(serve([...FULL, ...after])));
  });

  it('accepts later messages without a question section (RFC 5936 §2.2.1)', async () => {
    expectTransferred(await runCase(serve(FULL, 3, true)));
  });

  it('accepts a question echoed in another case (RFC 4343)', async () => {
    expectTransferred(await runCase((ctx) => ctx.send(ctx.response({ questions: [{ ...ctx.question, name: name('ExAmPlE.') }], answers: FULL }))));
  });

  it('keeps exact duplicates once, also when they differ only in case', async () => {
    const dup = [
      SOA,
      ...BODY,
      rr('example.', 'NS', rdata.ns('ns1.example.')),
      rr('WWW.EXAMPLE.', 'TXT', rdata.txt('hello world', 'second'), 300),
      rr('example.', 'NS', rdata.ns('NS2.example.')),
      SOA,
    ];
    const run = await runCase(serve(dup, 4));
    expectTransferred(run);
    expect(run.api.outcome).toMatchObject({ counts: { kept: 13 } });
  });

  it('lowercases owners and the names inside NS, MX and SOA RDATA', async () => {
    const upper = [
      rr('EXAMPLE.', 'SOA', rdata.soa('NS1.Example.', 'HostMaster.EXAMPLE.', SERIAL)),
      rr('WWW.Example.', 'TXT', rdata.txt('hello world', 'second'), 300),
      rr('NS2.EXAMPLE.', 'A', rdata.a('192.0.2.2')),
      rr('Example.', 'NS', rdata.ns('NS2.EXAMPLE.')),
      rr('MAIL.example.', 'A', rdata.a('192.0.2.25')),
      rr('example.', 'NS', rdata.ns('Ns1.ExAmPlE.')),
      rr('EXAMPLE.', 'MX', rdata.mx(10, 'MAIL.EXAMPLE.')),
      rr('ns1.EXAMPLE.', 'AAAA', rdata.aaaa('2001:db8::1')),
      rr('eXample.', 'TXT', rdata.txt('v=spf1 -all')),
      rr('NS1.example.', 'A', rdata.a('192.0.2.1')),
      rr('EXAMPLE.', 'SOA', rdata.soa('ns1.EXAMPLE.', 'hostmaster.example.', SERIAL)),
    ];
    expectTransferred(await runCase(serve(upper, 3)));
  });

  it('drops records of class CH (an SOA of class CH does not close the transfer)', async () => {
    const chaos = [
      rr('example.', 'TXT', rdata.txt('chaos'), 0, CLASS_CH),
      rr('version.example.', 'TXT', rdata.txt('9.18'), 0, CLASS_CH),
      rr('example.', 'SOA', rdata.soa('ns1.example.', 'hostmaster.example.', SERIAL), 3600, CLASS_CH),
    ];
    const records = [SOA, chaos[0]!, ...BODY.slice(0, 5), chaos[1]!, chaos[2]!, ...BODY.slice(5), SOA];
    const run = await runCase(serve(records, 2));
    expectTransferred(run);
    expect(run.api.outcome).toMatchObject({ counts: { kept: 10, outOfZone: 0, otherClass: 3 } });
  });

  it('decompresses pointers inside NS, MX and SOA RDATA (RFC 3597 §4)', async () => {
    const run = await runCase((ctx) => {
      const m = new RawMessage(ctx.id);
      const apex = m.question(ctx.question); // "example." at offset 12
      const nums = Buffer.concat([SERIAL, 7200, 3600, 1209600, 300].map(rdata.u32));
      // SOA: mname "ns1" + pointer to the apex, rname "hostmaster" + pointer.
      const soa = m.record(ptr(apex), TYPE.SOA, Buffer.concat([label('ns1'), ptr(apex), label('hostmaster'), ptr(apex), nums]));
      const ns1 = soa.rdataAt;
      const hostmaster = soa.rdataAt + 6;
      m.record(ptr(apex), TYPE.NS, ptr(ns1)); // a pointer straight into the SOA's RDATA
      const ns2 = m.record(ptr(apex), TYPE.NS, Buffer.concat([label('ns2'), ptr(apex)])).rdataAt;
      const mx = m.record(ptr(apex), TYPE.MX, Buffer.concat([rdata.u16(10), label('mail'), ptr(apex)]));
      m.record(ptr(apex), TYPE.TXT, rdata.txt('v=spf1 -all'));
      m.record(ptr(mx.rdataAt + 2), TYPE.A, rdata.a('192.0.2.25')); // owner: the MX exchange
      m.record(ptr(ns1), TYPE.A, rdata.a('192.0.2.1'));
      m.record(ptr(ns1), TYPE.AAAA, rdata.aaaa('2001:db8::1'));
      m.record(ptr(ns2), TYPE.A, rdata.a('192.0.2.2'));
      m.record(Buffer.concat([label('www'), ptr(apex)]), TYPE.TXT, rdata.txt('hello world', 'second'), { ttl: 300 });
      m.record(ptr(apex), TYPE.SOA, Buffer.concat([ptr(ns1), ptr(hostmaster), nums]));
      return ctx.send(m.build());
    });
    expectTransferred(run);
  });

  it('gives each record its own owner when owners compressed to one name follow records left out', async () => {
    // Records of one owner share its decoded bytes, and the zone then skips re-reading the owner:
    // that must not carry an owner over a record of class CH, an RRSIG left out or an out-of-zone one.
    const run = await runCase((ctx) => {
      const m = new RawMessage(ctx.id);
      const apex = m.question(ctx.question);
      const nums = Buffer.concat([SERIAL, 7200, 3600, 1209600, 300].map(rdata.u32));
      const soa = m.record(ptr(apex), TYPE.SOA, Buffer.concat([label('ns1'), ptr(apex), label('hostmaster'), ptr(apex), nums]));
      const a = m.record(Buffer.concat([label('A'), ptr(apex)]), TYPE.A, rdata.a('192.0.2.1')).ownerAt;
      m.record(ptr(a), TYPE.A, rdata.a('192.0.2.2'));
      const b = m.record(Buffer.concat([label('b'), ptr(apex)]), TYPE.TXT, rdata.txt('ch'), { cls: CLASS_CH }).ownerAt;
      m.record(ptr(b), TYPE.A, rdata.a('192.0.2.3'));
      const c = m.record(Buffer.concat([label('c'), ptr(apex)]), TYPE.RRSIG, Buffer.concat([Buffer.alloc(18), TRAILER, Buffer.from([1, 2])])).ownerAt;
      m.record(ptr(c), TYPE.AAAA, rdata.aaaa('2001:db8::3'));
      const out = m.record(Buffer.from([...label('d'), ...label('other'), 0]), TYPE.A, rdata.a('192.0.2.9')).ownerAt;
      m.record(ptr(out), TYPE.A, rdata.a('192.0.2.10'));
      m.record(ptr(a), TYPE.A, rdata.a('192.0.2.4'));
      m.record(ptr(apex), TYPE.SOA, Buffer.concat([ptr(soa.rdataAt), ptr(soa.rdataAt + 6), nums]));
      return ctx.send(m.build());
    });
    expectTransferred(
      run,
      [
        'example.\t3600\tIN\tSOA\tns1.example. hostmaster.example. 2024010101 7200 3600 1209600 300',
        'a.example.\t3600\tIN\tA\t192.0.2.1',
        'a.example.\t3600\tIN\tA\t192.0.2.2',
        'a.example.\t3600\tIN\tA\t192.0.2.4',
        'b.example.\t3600\tIN\tA\t192.0.2.3',
        'c.example.\t3600\tIN\tAAAA\t2001:db8::3',
        '',
      ].join('\n'),
      6,
    );
    expect(run.api.outcome).toMatchObject({ counts: { otherClass: 1, outOfZone: 2, omitted: { RRSIG: 1 } } });
  });

  it('accepts DNAME and RRSIG with uncompressed names (the controls for the malformed cases below)', async () => {
    const rrsig = Buffer.concat([
      rdata.u16(TYPE.A),
      Buffer.from([8, 2]),
      rdata.u32(3600),
      rdata.u32(1_800_000_000),
      rdata.u32(1_700_000_000),
      rdata.u16(12345),
      name('example.'),
      Buffer.from('c2ln', 'base64'),
    ]);
    const records = [SOA, ...BODY, rr('alias.example.', 'DNAME', name('target.example.')), rr('www.example.', 'RRSIG', rrsig), SOA];
    const run = await runCase(serve(records));
    const text = EXPECTED.replace('\nmail.example.', '\nalias.example.\t3600\tIN\tDNAME\ttarget.example.\nmail.example.');
    expectTransferred(run, text, EXPECTED_LINES + 1);
    expect(run.api.outcome).toMatchObject({ counts: { omitted: { RRSIG: 1 } } });
  });

  it('accepts a name of exactly 255 octets', async () => {
    const long = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(53)}.example.`;
    expect(name(long).length).toBe(255);
    const run = await runCase(serve([SOA, ...BODY, rr(long, 'A', rdata.a('192.0.2.7')), SOA]));
    const text = EXPECTED.replace('\nmail.example.', `\n${long}\t3600\tIN\tA\t192.0.2.7\nmail.example.`);
    expectTransferred(run, text, EXPECTED_LINES + 1);
  });
});

describe('receiver: error rcodes', () => {
  const cases: [FailureKind, number, string][] = [
    ['refused', 5, 'REFUSED'],
    ['notauth', 9, 'NOTAUTH'],
    ['servfail', 2, 'SERVFAIL'],
  ];
  it.each(cases)('%s in the middle of the stream', async (kind, rcode) => {
    const run = await runCase(async (ctx) => {
      await ctx.send(...messagesOf(ctx, FULL.slice(0, 6), 3));
      await ctx.send(ctx.response({ rcode }));
    });
    expectFailure(run, kind);
    expect(run.api.outcome).toMatchObject({ rcode, messages: 3 });
  });
});

describe('receiver: headers and questions that do not match the query', () => {
  const bad: [string, (ctx: Responder) => Buffer, RegExp][] = [
    ['wrong ID', (ctx) => encodeMessage({ id: ctx.id ^ 0x5a5a, questions: [ctx.question], answers: FULL }), /message ID/],
    ['QR not set', (ctx) => ctx.response({ flags: FLAG_AA, answers: FULL }), /QR/],
    ['TC set', (ctx) => ctx.response({ flags: FLAG_QR | FLAG_AA | FLAG_TC, answers: FULL }), /TC/],
    ['opcode NOTIFY', (ctx) => ctx.response({ opcode: 4, answers: FULL }), /opcode 4/],
    ['opcode STATUS', (ctx) => ctx.response({ opcode: 2, answers: FULL }), /opcode 2/],
    ['question for another name', (ctx) => ctx.response({ questions: [{ ...ctx.question, name: name('example.net.') }], answers: FULL }), /question/],
    ['question for a parent name', (ctx) => ctx.response({ questions: [{ ...ctx.question, name: name('.') }], answers: FULL }), /question/],
    ['question for another type', (ctx) => ctx.response({ questions: [{ ...ctx.question, type: TYPE.SOA }], answers: FULL }), /question/],
    ['question for IXFR', (ctx) => ctx.response({ questions: [{ ...ctx.question, type: TYPE.IXFR }], answers: FULL }), /question/],
    ['question of another class', (ctx) => ctx.response({ questions: [{ ...ctx.question, class: CLASS_CH }], answers: FULL }), /question/],
    ['two questions', (ctx) => ctx.response({ questions: [ctx.question, ctx.question], answers: FULL }), /2 questions/],
  ];
  it.each(bad)('%s in the first message', async (_what, make, detail) => {
    expectFailure(await runCase((ctx) => ctx.send(make(ctx))), 'malformed', detail);
  });

  it.each(bad)('%s in a later message', async (_what, make, detail) => {
    const run = await runCase(async (ctx) => {
      await ctx.send(...messagesOf(ctx, FULL.slice(0, 5), 2));
      await ctx.send(make(ctx));
    });
    expectFailure(run, 'malformed', detail);
  });
});

describe('receiver: streams that do not make a zone', () => {
  it('first message without records', async () => {
    const run = await runCase(async (ctx) => {
      await ctx.send(ctx.response({ answers: [] }));
      await ctx.send(...messagesOf(ctx, FULL));
    });
    expectFailure(run, 'malformed', /no records/);
  });

  it.each(['example.net.', 'sub.example.', 'exampl.'])('SOA of another zone (%s) first', async (other) => {
    const foreign = smallZone(other, SERIAL);
    expectFailure(await runCase(serve([...foreign, foreign[0]!])), 'malformed', /not the SOA of the zone/);
  });

  it('closing SOA with another serial', async () => {
    expectFailure(await runCase(serve([...ZONE, soaRecord('example.', SERIAL + 1)], 4)), 'malformed', /serial/);
  });

  it('zero-length frame', async () => {
    expectFailure(await runCase((ctx) => ctx.write(Buffer.from([0, 0]))), 'malformed', /shorter than a header/);
  });

  it('zero-length frame in the middle of the stream', async () => {
    const run = await runCase(async (ctx) => {
      await ctx.send(...messagesOf(ctx, ZONE, 4));
      await ctx.write(Buffer.from([0, 0]));
      await ctx.send(ctx.response({ answers: [SOA] }));
    });
    expectFailure(run, 'malformed', /shorter than a header/);
  });
});

describe('receiver: malformed wire data', () => {
  /** One message: the zone's SOA, then what `add` writes, then the closing SOA (so only the bad bytes can fail it). */
  function raw(add: (m: RawMessage, apex: number) => void): ByteScript {
    return (ctx) => {
      const m = new RawMessage(ctx.id);
      const apex = m.question(ctx.question);
      m.wire(SOA);
      for (const r of BODY) m.wire(r);
      add(m, apex);
      m.wire(SOA);
      return ctx.send(m.build());
    };
  }
  it('pointer loop', async () => {
    const run = await runCase(
      raw((m, apex) => {
        // An A record whose RDATA happens to hold a pointer, and a later owner that points at it:
        // owner → RDATA → owner → … Each first hop points backwards.
        const first = m.record(ptr(apex), TYPE.A, Buffer.from([0, 0, 0, 0]));
        const second = m.length;
        m.record(ptr(first.rdataAt), TYPE.A, rdata.a('192.0.2.9'));
        m.patch(first.rdataAt, ptr(second));
      }),
    );
    expectFailure(run, 'malformed', /does not point backwards/);
  });

  it('forward pointer', async () => {
    const run = await runCase(
      raw((m, apex) => {
        const at = m.length;
        m.record(ptr(0), TYPE.A, rdata.a('192.0.2.9')); // patched to point at the next owner
        const next = m.record(Buffer.concat([label('fwd'), ptr(apex)]), TYPE.A, rdata.a('192.0.2.10'));
        m.patch(at, ptr(next.ownerAt));
      }),
    );
    expectFailure(run, 'malformed', /does not point backwards/);
  });

  it.each([
    ['to its own first label', (at: number) => Buffer.concat([label('self'), ptr(at)])],
    ['into its own second label', (at: number) => Buffer.concat([label('a'), label('b'), ptr(at + 2)])],
    ['to itself', (at: number) => ptr(at)],
  ])('pointer %s', async (_what, owner) => {
    const run = await runCase(raw((m) => m.record(owner(m.length), TYPE.A, rdata.a('192.0.2.9'))));
    expectFailure(run, 'malformed', /does not point backwards/);
  });

  it('RDLENGTH past the end of the message', async () => {
    const run = await runCase((ctx) => {
      const m = new RawMessage(ctx.id);
      m.question(ctx.question);
      for (const r of FULL.slice(0, -1)) m.wire(r);
      m.record(SOA.owner, TYPE.SOA, SOA.rdata, { rdlength: SOA.rdata.length + 10 });
      return ctx.send(m.build());
    });
    expectFailure(run, 'malformed', /RDLENGTH/);
  });

  it('RDLENGTH shorter than the RDATA', async () => {
    expectFailure(await runCase(raw((m) => m.record(name('x.example.'), TYPE.A, rdata.a('192.0.2.9'), { rdlength: 3 }))), 'malformed');
  });

  it('A record with 5 octets', async () => {
    const run = await runCase(serve([SOA, ...BODY, rr('x.example.', 'A', Buffer.from([192, 0, 2, 1, 0])), SOA]));
    expectFailure(run, 'malformed', /A RDATA/);
  });

  it('NS record with bytes after its name', async () => {
    const run = await runCase(serve([SOA, ...BODY, rr('x.example.', 'NS', Buffer.concat([name('ns.example.'), Buffer.from([0xff, 0xff])])), SOA]));
    expectFailure(run, 'malformed', /past its last field/);
  });

  it('SOA one octet short', async () => {
    const short = rr('example.', 'SOA', SOA.rdata.subarray(0, SOA.rdata.length - 1));
    expectFailure(await runCase(serve([short, ...BODY, SOA])), 'malformed', /shorter/);
  });

  it('closing SOA one octet short', async () => {
    const short = rr('example.', 'SOA', SOA.rdata.subarray(0, SOA.rdata.length - 1));
    expectFailure(await runCase(serve([SOA, ...BODY, short])), 'malformed', /shorter/);
  });

  it('compression pointer in DNAME RDATA (RFC 6672 §2.5, RFC 3597 §4)', async () => {
    const run = await runCase(raw((m, apex) => m.record(Buffer.concat([label('alias'), ptr(apex)]), TYPE.DNAME, Buffer.concat([label('target'), ptr(apex)]))));
    expectFailure(run, 'malformed', /RFC 3597/);
  });

  it('compression pointer in the RRSIG signer name (RFC 4034 §3.1.7), even when RRSIGs are left out', async () => {
    const run = await runCase(
      raw((m, apex) => {
        const fixed = Buffer.concat([
          rdata.u16(TYPE.A),
          Buffer.from([8, 2]),
          rdata.u32(3600),
          rdata.u32(1_800_000_000),
          rdata.u32(1_700_000_000),
          rdata.u16(12345),
        ]);
        m.record(Buffer.concat([label('www'), ptr(apex)]), TYPE.RRSIG, Buffer.concat([fixed, ptr(apex), Buffer.from('c2ln', 'base64')]));
      }),
    );
    expectFailure(run, 'malformed', /RFC 3597/);
  });

  it('compression pointer in the RDATA of a type without names known to be compressible (SVCB target)', async () => {
    const run = await runCase(
      raw((m, apex) => m.record(Buffer.concat([label('_dns'), ptr(apex)]), TYPE.SVCB, Buffer.concat([rdata.u16(1), label('svc'), ptr(apex)]))),
    );
    expectFailure(run, 'malformed');
  });

  it('owner name over 255 octets', async () => {
    const long = Buffer.concat([label('a'.repeat(63)), label('b'.repeat(63)), label('c'.repeat(63)), label('d'.repeat(54)), name('example.')]);
    expect(long.length).toBe(256);
    expectFailure(await runCase(raw((m) => m.record(long, TYPE.A, rdata.a('192.0.2.9')))), 'malformed', /longer than 255/);
  });

  it('owner name over 255 octets through a pointer', async () => {
    const run = await runCase(
      raw((m, apex) => {
        // A valid name of 201 octets, then a label of 54 in front of it: 256.
        const base = m.record(Buffer.concat([label('a'.repeat(63)), label('b'.repeat(63)), label('c'.repeat(63)), ptr(apex)]), TYPE.A, rdata.a('192.0.2.9'));
        m.record(Buffer.concat([label('d'.repeat(54)), ptr(base.ownerAt)]), TYPE.A, rdata.a('192.0.2.10'));
      }),
    );
    expectFailure(run, 'malformed', /longer than 255/);
  });

  it('NS target over 255 octets through a chain of pointers', async () => {
    const run = await runCase(
      raw((m, apex) => {
        const a = m.record(Buffer.concat([label('a'.repeat(63)), ptr(apex)]), TYPE.A, rdata.a('192.0.2.9'));
        const b = m.record(Buffer.concat([label('b'.repeat(63)), ptr(a.ownerAt)]), TYPE.A, rdata.a('192.0.2.10'));
        const c = m.record(Buffer.concat([label('c'.repeat(63)), ptr(b.ownerAt)]), TYPE.A, rdata.a('192.0.2.11'));
        m.record(ptr(apex), TYPE.NS, Buffer.concat([label('d'.repeat(54)), ptr(c.ownerAt)]));
      }),
    );
    expectFailure(run, 'malformed', /longer than 255/);
  });

  it.each([
    ['0x40 (extended label, RFC 6891 §5)', 0x41],
    ['0x80 (reserved)', 0x81],
  ])('label type %s', async (_what, octet) => {
    const owner = Buffer.concat([Buffer.from([octet]), Buffer.from('a'), name('example.')]);
    expectFailure(await runCase(raw((m) => m.record(owner, TYPE.A, rdata.a('192.0.2.9')))), 'malformed', /label type/);
  });

  it('label type 0x40 in NS RDATA', async () => {
    const target = Buffer.concat([Buffer.from([0x41, 0x61]), name('example.')]);
    expectFailure(await runCase(raw((m, apex) => m.record(ptr(apex), TYPE.NS, target))), 'malformed', /label type/);
  });

  it('bytes after the last record of a message', async () => {
    expectFailure(await runCase((ctx) => ctx.send(Buffer.concat([ctx.response({ answers: FULL }), TRAILER]))), 'malformed', /after the last record/);
  });
});
