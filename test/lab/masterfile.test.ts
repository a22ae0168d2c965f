import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newestRootZoneFile } from '../support/corpus.js';
import fc from 'fast-check';
import { CanonicalZone, recordLine } from '../../src/zone/canonical.js';
import { encodeMessage } from '../../src/lab/encode.js';
import { MessageFramer, frame } from '../../src/dns/framing.js';
import { ZoneReader, parseZoneText, readZone, readZoneFile } from '../../src/lab/masterfile.js';
import { decodeMessage, type WireRecord } from '../../src/dns/message.js';
import { lowerName, nameToText, textToName } from '../../src/dns/name.js';
import { rdataToText } from '../../src/dns/rdata.js';
import { TYPE } from '../../src/dns/types.js';
import { ldnsLines } from '../support/ldns.js';

const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');
const name = (t: string) => textToName(t);

function ok(text: string | Buffer, options: { origin?: Buffer; file?: string } = {}): WireRecord[] {
  const r = parseZoneText(text, options);
  if (!r.ok) throw new Error(r.error);
  return r.records;
}
function fail(text: string): string {
  const r = parseZoneText(text, { file: 'zone.db' });
  return r.ok ? `unexpectedly ok: ${r.records.length} records` : r.error;
}
function line(rec: WireRecord): string {
  const t = rdataToText(rec.type, rec.rdata);
  if (!t.ok) throw new Error(t.detail);
  return recordLine(rec.owner, rec.ttl, rec.class, rec.type, t.text);
}
/** A record as one comparable string (exact bytes; the owner lowercased when `lower`). */
function key(rec: WireRecord, lower = false): string {
  return [(lower ? lowerName(rec.owner) : rec.owner).toString('hex'), rec.type, rec.class, rec.ttl, rec.rdata.toString('hex')].join('/');
}
const sortedKeys = (recs: WireRecord[], lower = false) => [...new Set(recs.map((r) => key(r, lower)))].sort();

/* ------------------------------------------------------------------------------------------ */

describe('master-file syntax (RFC 1035 §5)', () => {
  it('reads zonelog canonical text (TAB separated)', () => {
    const recs = ok(
      '.\t86400\tIN\tSOA\ta.root-servers.net. nstld.verisign-grs.com. 2018031200 1800 900 604800 86400\naaa.\t172800\tIN\tNS\tns1.dns.nic.aaa.\n',
    );
    expect(recs.map(line)).toEqual([
      '.\t86400\tIN\tSOA\ta.root-servers.net. nstld.verisign-grs.com. 2018031200 1800 900 604800 86400',
      'aaa.\t172800\tIN\tNS\tns1.dns.nic.aaa.',
    ]);
  });

  it('$ORIGIN, relative names, @, omitted owner, $TTL, TTL units, class and TTL in either order', () => {
    const recs = ok(
      [
        '$ORIGIN Example.',
        '$TTL 1h30m',
        '@ IN SOA ns1 hostmaster ( 1 2 3 4 5 )',
        '  NS ns1 ; omitted owner: the apex',
        'www 1W IN A 192.0.2.1',
        '    IN 60 A 192.0.2.2',
        '    AAAA ::1',
        '$ORIGIN sub',
        'x CH TXT "in sub"',
        "  TXT plain ; class: the previous record's",
        'abs.other. 5 A 192.0.2.3',
      ].join('\n'),
    );
    expect(recs.map(line)).toEqual([
      'Example.\t5400\tIN\tSOA\tns1.example. hostmaster.example. 1 2 3 4 5',
      'Example.\t5400\tIN\tNS\tns1.example.',
      'www.Example.\t604800\tIN\tA\t192.0.2.1',
      'www.Example.\t60\tIN\tA\t192.0.2.2',
      'www.Example.\t5400\tIN\tAAAA\t::1',
      'x.sub.Example.\t5400\tCH\tTXT\t"in sub"',
      'x.sub.Example.\t5400\tCH\tTXT\t"plain"',
      'abs.other.\t5\tCH\tA\t192.0.2.3',
    ]);
  });

  it('an omitted TTL without $TTL is the last TTL given (RFC 2308 §4); a first SOA without either takes its MINIMUM', () => {
    expect(ok('a. 10 IN A 192.0.2.1\nb. IN A 192.0.2.2\n  A 192.0.2.3\nc. 20 A 192.0.2.4\nd. A 192.0.2.5\n').map((r) => r.ttl)).toEqual([10, 10, 10, 20, 20]);
    expect(ok('$ORIGIN z.\n@ IN SOA a. b. 1 2 3 4 3600\nwww A 192.0.2.1\n').map((r) => r.ttl)).toEqual([3600, 3600]);
    expect(ok('$TTL 7\na. 10 IN A 192.0.2.1\nb. IN A 192.0.2.2\n').map((r) => r.ttl)).toEqual([10, 7]);
  });

  it('the origin option, and @ with it', () => {
    expect(ok('@ 1 IN NS ns\nwww 1 IN CNAME @\n', { origin: name('Zone.Test.') }).map(line)).toEqual([
      'Zone.Test.\t1\tIN\tNS\tns.zone.test.',
      'www.Zone.Test.\t1\tIN\tCNAME\tzone.test.',
    ]);
  });

  it('parentheses across lines, comments inside them, quoted ; ( ) and escapes', () => {
    const recs = ok(
      [
        'example. 300 IN SOA ns.example. (  ; comment after a paren',
        '   host\\.master.example. ; an escaped dot in the RNAME',
        '   2024010101 ; serial',
        '   (7200) 3600 ; nested parentheses are allowed',
        '   1209600 300 )',
        't.example. 300 IN TXT "a ; b" "( c )" "\\"q\\" \\\\ \\065\\255" semi\\;colon \\(x\\)',
        'sp\\032ace.example. 300 IN A 192.0.2.1',
        '\\@x.example. 300 IN A 192.0.2.1',
        'x.example. 300 IN TXT "tab\there"',
      ].join('\r\n'),
    );
    expect(recs.map(line)).toEqual([
      'example.\t300\tIN\tSOA\tns.example. host\\.master.example. 2024010101 7200 3600 1209600 300',
      't.example.\t300\tIN\tTXT\t"a ; b" "( c )" "\\"q\\" \\\\ A\\255" "semi;colon" "(x)"',
      'sp\\032ace.example.\t300\tIN\tA\t192.0.2.1',
      '\\064x.example.\t300\tIN\tA\t192.0.2.1',
      'x.example.\t300\tIN\tTXT\t"tab\\009here"',
    ]);
    expect(recs[2]!.owner).toEqual(Buffer.from([6, 0x73, 0x70, 0x20, 0x61, 0x63, 0x65, 7, ...Buffer.from('example'), 0]));
  });

  it('types and classes as TYPEnnn / CLASSnnn, ANY and NONE classes, RFC 3597 RDATA', () => {
    const recs = ok('a. 1 CLASS255 TYPE1 \\# 4 c0000201\nb. 1 ANY A 192.0.2.1\nc. 1 NONE TYPE65280 \\# 0\nd. 1 IN type15 10 MX.D.\n');
    expect(recs.map(line)).toEqual(['a.\t1\tANY\tA\t192.0.2.1', 'b.\t1\tANY\tA\t192.0.2.1', 'c.\t1\tNONE\tTYPE65280\t\\# 0', 'd.\t1\tIN\tMX\t10 mx.d.']);
  });

  it('text is bytes: a string is read as UTF-8, a Buffer as it is, a BOM is skipped', () => {
    const fromString = ok('\ufeffcafé.example. 1 IN TXT "é"\n');
    expect(fromString[0]!.owner).toEqual(
      Buffer.concat([Buffer.from([5]), Buffer.from('café', 'utf8'), Buffer.from([7]), Buffer.from('example'), Buffer.from([0])]),
    );
    expect(fromString[0]!.rdata).toEqual(Buffer.from([2, 0xc3, 0xa9]));
    const fromBytes = ok(Buffer.concat([Buffer.from('x. 1 IN TXT "'), Buffer.from([0xe9, 0xff]), Buffer.from('"\n')]));
    expect(fromBytes[0]!.rdata).toEqual(Buffer.from([2, 0xe9, 0xff]));
  });

  it('dig AXFR output: comment lines, multi-line records, the trailing SOA kept', () => {
    const dig = [
      '',
      '; <<>> DiG 9.18.49-1~deb12u3-Debian <<>> @192.0.2.53 example. AXFR +multiline',
      '; (1 server found)',
      ';; global options: +cmd',
      'example.\t\t3600 IN\tSOA ns1.example. hostmaster.example. (',
      '\t\t\t\t2024010101 ; serial',
      '\t\t\t\t7200       ; refresh (2 hours)',
      '\t\t\t\t3600       ; retry (1 hour)',
      '\t\t\t\t604800     ; expire (1 week)',
      '\t\t\t\t300        ; minimum (5 minutes)',
      '\t\t\t\t)',
      'example.\t\t3600 IN\tDNSKEY 256 3 13 (',
      '\t\t\t\tmzXoklleo+QhYt34eITcpASFKzGncNOnAsB7adyqPIp2',
      '\t\t\t\tAtBAzC2i4ldVTmQ8Rp625vOmrP5grre4SSRSYwGgxA==',
      '\t\t\t\t) ; ZSK; alg = ECDSAP256SHA256 ; key id = 27887',
      'example.\t\t3600 IN\tSOA ns1.example. hostmaster.example. (',
      '\t\t\t\t2024010101 ; serial',
      '\t\t\t\t7200 3600 604800 300 )',
      ';; Query time: 1 msec',
      ';; SERVER: 192.0.2.53#53(192.0.2.53) (TCP)',
      ';; XFR size: 3 records (messages 1, bytes 310)',
      '',
    ].join('\n');
    const recs = ok(dig);
    expect(recs.map((r) => r.type)).toEqual([TYPE.SOA, TYPE.DNSKEY, TYPE.SOA]);
    expect(line(recs[1]!)).toBe(
      'example.\t3600\tIN\tDNSKEY\t256 3 13 mzXoklleo+QhYt34eITcpASFKzGncNOnAsB7adyqPIp2AtBAzC2i4ldVTmQ8Rp625vOmrP5grre4SSRSYwGgxA==',
    );
    expect(recs[2]).toEqual(recs[0]);
  });
});

describe('errors name file:line:col', () => {
  it.each([
    ['unknown type', '$ORIGIN example.\n$TTL 300\nwww  IN  FOO  1.2.3.4\n', 'zone.db:3:10: unknown type FOO'],
    ['bad TTL', 'www.example. 1x IN A 192.0.2.1\n', 'zone.db:1:14: bad TTL "1x"'],
    ['bad $TTL', '$TTL forever\n', 'zone.db:1:6: bad TTL "forever"'],
    ['TTL over 32 bits', 'www.example. 4294967296 IN A 192.0.2.1\n', 'zone.db:1:14: TTL 4294967296 is over 4294967295'],
    ['two TTLs', 't. 300 400 IN A 192.0.2.1\n', 'zone.db:1:8: unexpected "400": the TTL is already given'],
    ['no TTL at all', 'www.example. IN A 192.0.2.1\n', 'zone.db:1:17: no TTL: give one here or a $TTL line before the first record'],
    [
      'unterminated quote',
      'a. 1 IN A 192.0.2.1\ntxt.example. 300 IN TXT "abc\n',
      'zone.db:2:25: unterminated quoted string (it must close on the line it opens)',
    ],
    ['unterminated quote at the end', 'txt.example. 300 IN TXT "abc', 'zone.db:1:25: unterminated quoted string'],
    ['( never closed', 'example. 300 IN SOA a. b. ( 1 2 3\n 4 5\n', "zone.db:1:27: unbalanced parentheses: this '(' is never closed"],
    [') without (', 'example. 300 IN A 192.0.2.1 )\n', "zone.db:1:29: unbalanced parentheses: ')' without '('"],
    ['$INCLUDE', '$TTL 1\n$INCLUDE other.zone\n', 'zone.db:2:1: $INCLUDE is not supported: give the zone as one file'],
    [
      '$GENERATE',
      '$GENERATE 1-10 host$ A 192.0.2.$\n',
      'zone.db:1:1: $GENERATE is not supported: expand it first (named-compilezone -o - prints the expanded zone)',
    ],
    ['unknown directive', '$FOO bar\n', 'zone.db:1:1: unknown directive $FOO'],
    ['label over 63', `${'a'.repeat(64)}.example. 300 IN A 192.0.2.1\n`, `zone.db:1:1: label longer than 63 octets in name "${'a'.repeat(64)}.example."`],
    ['label over 63 in RDATA', `x. 300 IN NS ${'a'.repeat(64)}.\n`, `zone.db:1:14: label longer than 63 octets in name "${'a'.repeat(64)}." in NS RDATA`],
    ['name over 255', `${`${'a'.repeat(63)}.`.repeat(4)} 300 IN A 192.0.2.1\n`, /^zone\.db:1:1: name longer than 255 octets \(257\): "a{63}\.a{13}\.\.\."$/],
    [
      'name over 255 with its origin',
      `$ORIGIN ${`${'b'.repeat(63)}.`.repeat(3)}\n${'a'.repeat(62)} 300 IN A 192.0.2.1\n`,
      `zone.db:2:1: name longer than 255 octets (256): "${'a'.repeat(62)}" with its origin`,
    ],
    ['bad base64', 'example. 300 IN DNSKEY 257 3 8 AwEAAa$$\n', 'zone.db:1:32: bad base64 in public key in DNSKEY RDATA'],
    ['bad IPv6', 'example. 300 IN AAAA 2001:db8::1::2\n', 'zone.db:1:22: bad IPv6 address "2001:db8::1::2" in AAAA RDATA'],
    ['missing address', 'example. 300 IN A\n', 'zone.db:1:18: missing IPv4 address in A RDATA'],
    ['missing MX exchange', 'example. 300 IN MX 10\n', 'zone.db:1:22: missing exchange in MX RDATA'],
    ['missing SOA field', 'example. 300 IN SOA a. b. 1 2 3 4\n', 'zone.db:1:34: missing minimum in SOA RDATA'],
    ['missing type', 'example. 300 IN\n', 'zone.db:1:16: missing type'],
    ['no owner for the first record', '   300 IN A 192.0.2.1\n', 'zone.db:1:4: no owner name, and no record before this one to take it from'],
    ['relative name without origin', 'www 300 IN A 192.0.2.1\n', 'zone.db:1:1: relative name "www" with no origin (give $ORIGIN or an absolute name)'],
    ['meta type', 'www.example. 300 IN ANY \\# 0\n', 'zone.db:1:21: ANY is a meta type and cannot appear in a zone'],
    ['trailing data', 'www.example. 300 IN A 192.0.2.1 192.0.2.2\n', 'zone.db:1:33: unexpected "192.0.2.2" after the last field in A RDATA'],
    ['bad escape', 'w\\1x.example. 300 IN A 192.0.2.1\n', 'zone.db:1:1: bad escape (\\DDD needs three digits) in name "w\\1x.example."'],
    ['\\# length', 't. 300 IN TYPE65280 \\# 3 0102\n', 'zone.db:1:24: \\# length 3 does not match the 2 octets of hex in TYPE65280 RDATA'],
    ['bitmap type', 't. 300 IN NSEC a. A BOGUS\n', 'zone.db:1:21: unknown type "BOGUS" in the type bitmap in NSEC RDATA'],
  ])('%s', (_what, text, want) => {
    if (typeof want === 'string') expect(fail(text)).toBe(want);
    else expect(fail(text)).toMatch(want);
  });

  it('the file name defaults to <zone>', () => {
    const r = parseZoneText('x. 1 IN FOO bar\n');
    expect(r).toEqual({ ok: false, error: '<zone>:1:9: unknown type FOO' });
  });
});

/* ------------------------------------------------------------------------------------------ */

/** Records of a few types, rendered in many layouts. */
const label = fc.stringMatching(/^[a-zA-Z0-9-]{1,10}$/);
const simpleRecord = fc
  .record({
    rel: fc.array(label, { maxLength: 3 }),
    ttl: fc.constantFrom(60, 300, 3600),
    kind: fc.constantFrom('A', 'MX', 'TXT', 'DNSKEY', 'NS'),
    n: fc.integer({ min: 0, max: 65535 }),
    data: fc.uint8Array({ minLength: 1, maxLength: 120 }),
    target: fc.array(label, { minLength: 1, maxLength: 3 }),
  })
  .map((r) => {
    const origin = name('zone.example.');
    const owner = textToName(r.rel.length ? r.rel.join('.') : '@', origin);
    const target = lowerName(textToName(r.target.join('.'), origin));
    let type: number;
    let rdata: Buffer;
    switch (r.kind) {
      case 'A':
        type = TYPE.A;
        rdata = Buffer.from(r.data.subarray(0, 4).length === 4 ? r.data.subarray(0, 4) : [1, 2, 3, 4]);
        break;
      case 'MX':
        type = TYPE.MX;
        rdata = Buffer.concat([Buffer.from([r.n >> 8, r.n & 255]), target]);
        break;
      case 'TXT':
        type = TYPE.TXT;
        rdata = Buffer.concat([Buffer.from([r.data.length]), r.data]);
        break;
      case 'DNSKEY':
        type = TYPE.DNSKEY;
        rdata = Buffer.concat([Buffer.from([r.n >> 8, r.n & 255, 3, 13]), r.data]);
        break;
      default:
        type = TYPE.NS;
        rdata = target;
    }
    return { owner, type, class: 1, ttl: r.ttl, rdata } as WireRecord;
  });

/** A zone text in the style of `named-compilezone -s relative`: $ORIGIN, relative and omitted owners, $TTL, parentheses. */
function relativeStyle(recs: WireRecord[], ws: string[], split: number): string {
  const origin = 'zone.example.';
  const out = [`$ORIGIN ${origin}`, '$TTL 300'];
  let last = '';
  let w = 0;
  const sp = () => ws[w++ % ws.length]!;
  for (const r of recs) {
    const abs = nameToText(r.owner);
    const rel = abs === origin ? '@' : abs.slice(0, -origin.length - 1);
    const owner = abs === last ? '' : rel;
    last = abs;
    const ttl = r.ttl === 300 ? '' : `${r.ttl}${sp()}`;
    const text = (rdataToText(r.type, r.rdata) as { text: string }).text;
    let rd = text;
    if (r.type === TYPE.DNSKEY) {
      // Split the key over lines in parentheses, as dig +multiline and BIND do.
      const [head, key] = [text.split(' ').slice(0, 3).join(' '), text.split(' ')[3]!];
      const parts: string[] = [];
      for (let i = 0; i < key.length; i += split) parts.push(key.slice(i, i + split));
      rd = `${head} (\n\t\t${parts.join(' ; part\n\t\t')}\n\t\t)`;
    }
    out.push(
      `${owner}${sp()}${ttl}IN${sp()}${r.type === TYPE.A ? 'A' : r.type === TYPE.MX ? 'MX' : r.type === TYPE.TXT ? 'TXT' : r.type === TYPE.NS ? 'NS' : 'DNSKEY'}${sp()}${rd}`,
    );
  }
  return out.join('\n') + '\n';
}

describe('layouts and chunks', () => {
  it('the same records from canonical lines and from relative, indented, multi-line layouts', () => {
    fc.assert(
      fc.property(
        fc.array(simpleRecord, { minLength: 1, maxLength: 25 }),
        fc.array(fc.constantFrom(' ', '\t', '  \t ', '\t\t'), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 40 }),
        (recs, ws, split) => {
          const text = relativeStyle(recs, ws, split);
          const got = ok(text);
          expect(got.map((r) => key(r))).toEqual(recs.map((r) => key(r)));
          expect(ok(recs.map(line).join('\n')).map((r) => key(r))).toEqual(recs.map((r) => key(r)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('chunks cut anywhere give the same records as one piece', () => {
    const text = [
      '$ORIGIN example.',
      '$TTL 300',
      '@ SOA ns hm ( 1 2',
      '  3 4 5 ) ; c',
      'txt TXT "a b" "c;d" "\\"" é',
      '   A 192.0.2.1',
      'svc HTTPS 1 . alpn="h2,h3 x" port=443',
      'k DNSKEY 257 3 8 ( AQ',
      '   I= )',
    ].join('\n');
    const whole = ok(text).map((r) => key(r));
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: text.length - 1 }), { maxLength: 8 }), fc.boolean(), (cuts, asBytes) => {
        const src = asBytes ? Buffer.from(text, 'utf8') : text;
        const points = [0, ...cuts.sort((a, b) => a - b), src.length];
        const reader = new ZoneReader();
        const got: WireRecord[] = [];
        for (let i = 0; i + 1 < points.length; i++) {
          const piece = src.slice(points[i]!, points[i + 1]!);
          got.push(...reader.push(piece));
        }
        got.push(...reader.end());
        expect(got.map((r) => key(r))).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });

  it('readZone (async chunks) and readZoneFile', async () => {
    const text = 'a. 1 IN A 192.0.2.1\nb. 1 IN TXT ( "x"\n "y" )\nc. 1 IN AAAA ::1\n';
    async function* chunks() {
      for (let i = 0; i < text.length; i += 7) yield text.slice(i, i + 7);
    }
    const batches: WireRecord[][] = [];
    for await (const b of readZone(chunks())) batches.push(b);
    expect(batches.flat().map(line)).toEqual(ok(text).map(line));
    const dir = await mkdtemp(path.join(os.tmpdir(), 'zonelog-mf-'));
    try {
      const file = path.join(dir, 'z.zone');
      await writeFile(file, text + 'd. 1 IN BOGUS x\n');
      const seen: WireRecord[] = [];
      const r = await readZoneFile(file, (b) => void seen.push(...b));
      expect(r).toEqual({ ok: false, error: `${file}:5:9: unknown type BOGUS` });
      await writeFile(file, text);
      seen.length = 0;
      expect(await readZoneFile(file, (b) => void seen.push(...b))).toEqual({ ok: true, count: 3 });
      expect(seen.map(line)).toEqual(ok(text).map(line));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/* ------------------------------------------------------------------------------------------ */
/* The tools: ldns-read-zone, dig, kdig, named-compilezone.                                   */

function findTool(tool: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin']) {
    if (!dir) continue;
    const p = path.join(dir, tool);
    try {
      if (fs.statSync(p).isFile()) {
        fs.accessSync(p, fs.constants.X_OK);
        return p;
      }
    } catch {
      // not here
    }
  }
  return undefined;
}

const PACKAGE: Record<string, string> = {
  'ldns-read-zone': 'ldnsutils',
  dig: 'bind9-dnsutils',
  kdig: 'knot-dnsutils',
  'named-compilezone': 'bind9-utils',
};

/** `describe` that needs a tool: skipped (naming the Debian package) when it is missing, a failure with ZONELOG_REQUIRE_SERVERS=1. */
function describeWithTool(tool: string, title: string, fn: () => void): void {
  if (findTool(tool)) {
    describe(title, fn);
    return;
  }
  const reason = `${tool} not found: install the Debian package ${PACKAGE[tool]}`;
  if (process.env.ZONELOG_REQUIRE_SERVERS === '1') {
    describe(title, () => {
      it(`needs ${tool}`, () => {
        throw new Error(`${reason} (ZONELOG_REQUIRE_SERVERS=1, so this is a failure, not a skip)`);
      });
    });
  } else describe.skip(`${title} [skipped: ${reason}]`, fn);
}

/** Runs a command asynchronously (the AXFR server below shares this event loop). */
function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: 'latin1', maxBuffer: 512 * 1024 * 1024, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

let tmp = '';
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'zonelog-masterfile-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** The canonical zone text (docs/architecture.md §5) of parsed records: the first SOA, then the rest, a trailing copy of the SOA left out. */
function canonical(recs: WireRecord[]): string {
  const soa = recs[0]!;
  expect(soa.type).toBe(TYPE.SOA);
  const last = recs[recs.length - 1]!;
  const rest = recs.length > 1 && last.type === TYPE.SOA && key(last) === key(soa) ? recs.slice(1, -1) : recs.slice(1);
  const zone = new CanonicalZone(lowerName(soa.owner), { dnssec: true });
  try {
    expect(zone.setSoa(soa)).toBe('kept');
    for (const r of rest) expect(zone.add(r), line(r)).toBe('kept');
    return [...zone.chunks()].join('');
  } finally {
    zone.dispose();
  }
}

/** Parses `file`, renders it canonically, and compares through ldns with ldns-read-zone -z of the file itself. */
async function sameAsLdns(file: string): Promise<number> {
  const recs = ok(fs.readFileSync(file), { file });
  const ours = path.join(tmp, `${path.basename(file)}.canonical`);
  await writeFile(ours, canonical(recs), 'latin1');
  const [a, b] = await Promise.all([ldnsLines(ours), ldnsLines(file)]);
  expect(a.length).toBeGreaterThan(1);
  expect(a).toEqual(b);
  return recs.length;
}

describeWithTool('ldns-read-zone', 'the real root zone (2018), compared through ldns-read-zone -z', () => {
  let rootZone = '';
  beforeAll(async () => {
    rootZone = await newestRootZoneFile();
  });

  it('parses every record, and its canonical text is what ldns makes of the file', async () => {
    const text = fs.readFileSync(rootZone);
    const t0 = performance.now();
    const recs = ok(text, { file: 'root.zone' });
    const ms = performance.now() - t0;
    console.log(`root.zone: ${recs.length} records parsed in ${ms.toFixed(0)} ms`);
    expect(recs.length).toBe(
      text
        .toString('latin1')
        .split('\n')
        .filter((l) => l !== '').length,
    );
    expect(recs[0]!.type).toBe(TYPE.SOA);
    expect(key(recs[recs.length - 1]!)).toBe(key(recs[0]!));
    await sameAsLdns(rootZone);
  });
});

const ALLTYPES = fileURLToPath(new URL('../fixtures/alltypes.zone', import.meta.url));

describeWithTool('ldns-read-zone', 'test/fixtures/alltypes.zone, compared through ldns-read-zone -z', () => {
  it.skipIf(!fs.existsSync(ALLTYPES))('parses, and its canonical text is what ldns makes of the file', async () => {
    expect(await sameAsLdns(ALLTYPES)).toBeGreaterThan(50);
  });
});

/** A zone of every type that BIND, Knot's kdig and ldns all read, written with the syntax they share. */
const TOOLS_ZONE = `$ORIGIN example.
$TTL 1h
@	IN SOA ns1 hostmaster.Example. ( 2024010101 ; serial
		2h 1h 1w 5m )
	NS	ns1
	NS	NS2.Example.
ns1	A	192.0.2.1
ns2	AAAA	2001:db8::ffff:1.2.3.4
Mx	MX	10 Mail.Example.
txt	TXT	"hello world" "a\\"b\\\\c" unquoted \\065\\066 "\\255\\000"
	SPF	"v=spf1 -all"
hinfo	HINFO	"PC" "Unix"
srv	SRV	0 5 5060 sipserver
naptr	NAPTR	100 10 "S" "SIP+D2U" "!^.*$!sip:customer-service@example.com!" _sip._udp.example.com.
caa	CAA	0 issue "letsencrypt.org"
caa	CAA	128 tbs "Unknown"
sshfp	SSHFP	4 2 123456789abcdef67890123456789abcdef67890123456789abcdef123456789
tlsa	TLSA	3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6
smimea	SMIMEA	3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6
ds	DS	60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118
cds	CDS	0 0 0 00
dnskey	DNSKEY	256 3 5 ( AQPSKmynfzW4kyBv015MUG2DeIQ3
                  Cbl+BBZH4b/0PY1kxkmvHjcZc8no
                  aNvv4w==  )
cdnskey	CDNSKEY	0 3 0 AA==
rrsig	86400	RRSIG	A 5 3 86400 20300101000000 ( 20030101000000 2642 Example. oJB1W6WNGv+ldvQ3WDG0MQkg5IEhjRip8WTr
		PYGv07h108dUKGMeDPKijVCHX3DDKdfb+v6o )
nsec	NSEC	Host.example. A MX RRSIG NSEC TYPE1234
2vptu5timamqttgl4luu9kg21e0aor3s	NSEC3	1 1 12 aabbccdd ( 2vptu5timamqttgl4luu9kg21e0aor3s A RRSIG )
@	NSEC3PARAM	1 0 12 -
@	ZONEMD	2018031900 1 1 ( c68090d90a7aed716bc459f9340e3d7c1370d4d24b7e2fc3a1ddc0b9a87153b9a9713b3c9ae5cc27777f98b8e730044c )
svcb	SVCB	1 . alpn="h2,h3" port=8443 ipv4hint=192.0.2.1,192.0.2.2 ech=AEX+DQ== ipv6hint=2001:db8::1 mandatory=alpn,port
https	HTTPS	0 svc.Example.
https2	HTTPS	1 . key667=hello no-default-alpn alpn=h2
loc	LOC	52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m
loc2	LOC	42 21 43.528 N 71 5 6.284 W 12m
uri	URI	10 1 "ftp://ftp1.example.com/public"
csync	CSYNC	66 3 A NS AAAA
cert	CERT	PGP 0 0 Zm9vYmFy
ipseckey	IPSECKEY	10 1 2 192.0.2.38 AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==
ipseckey	IPSECKEY	10 3 2 mygateway.example.com. AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==
ipseckey	IPSECKEY	10 0 2 . AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==
dhcid	DHCID	AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA=
eui48	EUI48	00-00-5e-00-53-2a
eui64	EUI64	00-00-5e-ef-10-00-00-2a
openpgp	OPENPGPKEY	mQINBFit2jsBEADrbl5vjVxYeAE0g0IDYCBpHirv1Sjlqxx5gjtPhb2YhvyDMXjq
rp	RP	mbox.example. txt
afsdb	AFSDB	1 afs
px	PX	10 a.example. b.example.
kx	KX	10 kx
minfo	MINFO	r.example. e.example.
dname	DNAME	Target.Example.
unk	TYPE65280	\\# 4 0A000001
unk	TYPE65281	\\# 0
ptr	PTR	foo
key	KEY	256 3 5 AQPSKmynfzW4kyBv015MUG2DeIQ3
dlv	DLV	60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118
sp\\032ace	TXT	"a space in the owner"
dot\\.in	TXT	"a dot in a label"
`;

/** Types that rdata.ts prints in RFC 3597 form but dig prints in their own presentation. */
const EXTRA_ZONE = `$ORIGIN ex.
$TTL 300
@ SOA ns hm 1 2 3 4 5
ninfo NINFO \\# 12 0568656c6c6f05776f726c64
avc AVC \\# 15 0e6170702d6e616d653a5765624578
resinfo RESINFO \\# 22 08716e616d656d696e0c6578746572723d31352d3137
wallet WALLET \\# 12 03425443076263317178797a
x25 X25 \\# 13 0c333131303631373030393536
isdn ISDN \\# 20 0f31353038363230323830303332313703303034
isdn ISDN \\# 16 0f313530383632303238303033323137
gpos GPOS \\# 23 082d33322e36383832083131362e383635320431302e30
l32 L32 \\# 6 000a0a010203
l64 L64 \\# 10 000a20010db811401000
nid NID \\# 10 000a00144fffff20ee64
lp LP \\# 26 000a0a4c36342d5375626e6574076578616d706c6503636f6d00
talink TALINK \\# 28 0450726576076578616d706c6500046e657874076578616d706c6500
apl APL \\# 24 00011503c0a82000011e84c0a8262000020801ff00010000
hip HIP \\# 57 10020014200100107b1a74df365639cc39f1d5780102030405060708090a0b0c0d0e0f101112131403727673074578616d706c6503636f6d00
amtrelay AMTRELAY \\# 25 0a8309616d7472656c617973076578616d706c6503636f6d00
amtrelay AMTRELAY \\# 6 0a01c0000201
amtrelay AMTRELAY \\# 2 0a00
nsap NSAP \\# 20 47000580ffff000000321000010000c0001c0000
a6 A6 \\# 25 40000000000000000106507265666978074578616d706c6500
wks WKS \\# 17 c000020106000000400000000000000001
nxt NXT \\# 20 066d656469756d03666f6f03746c640040010082
eid EID \\# 4 bc0563a2
nimloc NIMLOC \\# 2 3237
doa DOA \\# 23 00000000000000010209696d6167652f67696647494638
sink SINK \\# 5 0102030102
rkey RKEY \\# 6 000003070102
atma ATMA \\# 9 013137353534313233
`;

describe('output of the DNS tools', () => {
  let zoneFile = '';
  let records: WireRecord[] = [];
  const extra = ok(EXTRA_ZONE, { file: 'extra.zone' });
  beforeAll(async () => {
    zoneFile = path.join(tmp, 'tools.zone');
    await writeFile(zoneFile, TOOLS_ZONE);
    records = ok(TOOLS_ZONE, { file: 'tools.zone' });
  });

  it('the zone itself parses', () => {
    expect(records.length).toBe(53);
    expect(records.every((r) => rdataToText(r.type, r.rdata).ok)).toBe(true);
  });

  describeWithTool('ldns-read-zone', 'ldns-read-zone', () => {
    it('reads what ldns-read-zone prints, and ldns agrees with our canonical text', async () => {
      const out = await run('ldns-read-zone', [zoneFile]);
      // ldns lowercases owners and the names of RFC 4034 §6.2 types; compare with owners lowercased.
      expect(sortedKeys(ok(out, { file: 'ldns' }), true)).toEqual(sortedKeys(records, true));
      await sameAsLdns(zoneFile);
    });
  });

  describeWithTool('named-compilezone', 'named-compilezone', () => {
    it.each(['full', 'relative'])('reads named-compilezone -s %s', async (style) => {
      const out = path.join(tmp, `bind-${style}.zone`);
      await run('named-compilezone', ['-q', '-k', 'ignore', '-i', 'none', '-s', style, '-o', out, 'example.', zoneFile]);
      expect(sortedKeys(ok(fs.readFileSync(out), { file: out }))).toEqual(sortedKeys(records));
    });
  });

  /** An AXFR server on loopback for `zone` (SOA first): its records, then the SOA again, 20 records a message. */
  async function withAxfrServer(zone: () => WireRecord[], fn: (port: number) => Promise<void>): Promise<void> {
    const server = net.createServer((sock) => {
      const framer = new MessageFramer();
      sock.on('error', () => {});
      sock.on('data', (d) => {
        framer.push(d);
        for (let m = framer.next(); m; m = framer.next()) {
          const q = decodeMessage(m);
          if (!q.ok) return void sock.destroy();
          const recs = zone();
          const all = [...recs, recs[0]!];
          for (let i = 0; i < all.length; i += 20) {
            sock.write(frame(encodeMessage({ id: q.message.header.id, questions: q.message.questions, answers: all.slice(i, i + 20) })));
          }
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await fn((server.address() as net.AddressInfo).port);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }

  const axfrTools: [string, string[]][] = [
    ['dig', []],
    ['dig', ['+multiline']],
    ['dig', ['+onesoa', '+nocmd', '+nostats']],
    ['kdig', []],
    ['kdig', ['+multiline']],
  ];
  for (const [tool, opts] of axfrTools) {
    describeWithTool(tool, `${tool} AXFR ${opts.join(' ')}`, () => {
      it.each([
        ['every type rdata.ts presents', 'example.', () => records],
        ['types rdata.ts prints as \\#', 'ex.', () => extra],
      ])('reads what it prints for %s: every record as served, the trailing SOA included', async (_what, zoneName, zone) => {
        await withAxfrServer(zone, async (port) => {
          const out = await run(tool, [`@127.0.0.1`, '-p', String(port), zoneName, 'AXFR', ...opts]);
          const got = ok(out, { file: tool });
          const recs = zone();
          const want = opts.includes('+onesoa') ? recs : [...recs, recs[0]!];
          expect(got.map((r) => key(r)).sort()).toEqual(want.map((r) => key(r)).sort());
        });
      });
    });
  }
});

it('the \\DDD bytes of a name survive parse and print', () => {
  const recs = ok('a\\000b\\255\\.c.example. 1 IN A 192.0.2.1\n');
  expect(recs[0]!.owner).toEqual(Buffer.concat([hex('06 6100 62ff 2e63'), Buffer.from([7]), Buffer.from('example'), hex('00')]));
  expect(nameToText(recs[0]!.owner)).toBe('a\\000b\\255\\.c.example.');
});
