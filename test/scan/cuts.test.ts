import { describe, expect, it } from 'vitest';
import type { Message, WireRecord } from '../../src/dns/message.js';
import { nameToText, textToName } from '../../src/dns/name.js';
import { CLASS_IN, RCODE, TYPE } from '../../src/dns/types.js';
import { classify, parentOf } from '../../src/scan/sources/cuts.js';

const ns = (owner: string, host: string): WireRecord => ({ owner: textToName(owner), type: TYPE.NS, class: CLASS_IN, ttl: 3600, rdata: textToName(host) });
const soa = (owner: string): WireRecord => ({ owner: textToName(owner), type: TYPE.SOA, class: CLASS_IN, ttl: 3600, rdata: Buffer.alloc(22) });

function message(o: { rcode?: number; aa?: boolean; answers?: WireRecord[]; authority?: WireRecord[] }): Message {
  return {
    header: {
      id: 1,
      qr: true,
      opcode: 0,
      aa: o.aa ?? false,
      tc: false,
      rd: false,
      rcode: o.rcode ?? RCODE.NOERROR,
      qdcount: 1,
      ancount: 0,
      nscount: 0,
      arcount: 0,
    },
    questions: [],
    answers: o.answers ?? [],
    authority: o.authority ?? [],
    additional: [],
  };
}

const ask = (m: Message, name: string, zone: string) => {
  const r = classify(m, textToName(name), textToName(zone));
  return r.kind === 'delegation' ? `${r.atName ? 'cut' : 'between'} ${nameToText(r.owner)} ${r.ns.length}` : r.kind;
};

describe("what one answer from a parent's server says about a name", () => {
  it('a referral whose owner is the name is a cut (RFC 1034 §4.2.1)', () => {
    expect(ask(message({ authority: [ns('gov.kp.', 'ns1.gov.kp.'), ns('gov.kp.', 'ns2.gov.kp.')] }), 'gov.kp.', 'kp.')).toBe('cut gov.kp. 2');
  });
  it('an authoritative NS answer at the name is a cut (the server serves parent and child)', () => {
    expect(ask(message({ aa: true, answers: [ns('gov.kp.', 'ns.kp.')] }), 'gov.kp.', 'kp.')).toBe('cut gov.kp. 1');
  });
  it('a referral to a cut between the zone asked and the name is followed', () => {
    expect(ask(message({ authority: [ns('k12.kp.', 'ns.k12.kp.')] }), 'pvt.k12.kp.', 'kp.')).toBe('between k12.kp. 1');
  });
  it('NODATA from the parent: the name exists and is no cut', () => {
    expect(ask(message({ aa: true, authority: [soa('kp.')] }), 'k12.kp.', 'kp.')).toBe('exists');
  });
  it('an authoritative NXDOMAIN: nothing at or below the name (RFC 8020)', () => {
    expect(ask(message({ aa: true, rcode: RCODE.NXDOMAIN, authority: [soa('kp.')] }), 'net.kp.', 'kp.')).toBe('nxdomain');
  });
  it('fails on what proves nothing: NXDOMAIN without authority, a referral upwards or sideways, an empty answer', () => {
    expect(ask(message({ rcode: RCODE.NXDOMAIN }), 'net.kp.', 'kp.')).toBe('failed');
    expect(ask(message({ authority: [ns('.', 'a.root-servers.net.')] }), 'gov.kp.', 'kp.')).toBe('failed');
    expect(ask(message({ authority: [ns('kp.', 'ns.kp.')] }), 'gov.kp.', 'kp.')).toBe('failed');
    expect(ask(message({ authority: [ns('other.', 'ns.other.')] }), 'gov.kp.', 'kp.')).toBe('failed');
    expect(ask(message({}), 'gov.kp.', 'kp.')).toBe('failed');
  });
});

describe('parentOf', () => {
  it('drops the first label, escaped dots included; the root has no parent', () => {
    expect(parentOf('gov.kp.')).toBe('kp.');
    expect(parentOf('kp.')).toBe('.');
    expect(parentOf('.')).toBeUndefined();
    expect(parentOf('a\\.b.kp.')).toBe('kp.');
  });
});
