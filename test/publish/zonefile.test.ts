import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CanonicalChecker, checkZoneFiles } from '../../src/publish/zonefile.js';
import { compareCanonical, nameToText, textToName } from '../../src/dns/name.js';
import { zoneText } from '../support/results.js';
import { Scratch } from '../support/repo.js';

const scratch = new Scratch();
afterEach(() => scratch.cleanup());

/** Feeds text in chunks of `size` bytes, as a read stream would cut it. */
function check(text: string, size: number, zone = 'x.') {
  const c = new CanonicalChecker(zone, false);
  const bytes = Buffer.from(text, 'latin1');
  for (let at = 0; at < bytes.length; at += size) {
    const problem = c.add(Buffer.from(bytes.subarray(at, at + size)));
    if (problem) return { ok: false, error: problem };
  }
  return c.finish();
}

describe('canonical text check', () => {
  // owners in RFC 4034 §6.1 order, with escapes: \032 (0x20) < * (0x2a) < a, a's child before the label "a.b"
  const text = zoneText('x.', 42, [
    'x.\t60\tIN\tNS\tns.x.',
    'x.\t60\tIN\tMX\t10 mx.x.',
    '\\032sp.x.\t60\tIN\tA\t192.0.2.1',
    '*.x.\t60\tIN\tA\t192.0.2.2',
    'a.x.\t60\tIN\tA\t192.0.2.3',
    'a.x.\t60\tIN\tAAAA\t2001:db8::1',
    'b.a.x.\t60\tIN\tTXT\t"t"',
    'a\\.b.x.\t60\tIN\tA\t192.0.2.4',
  ]);

  it.each([1, 2, 3, 7, 64, 1 << 20])('reads the serial and the record count whatever the chunks (%i bytes)', (size) => {
    expect(check(text, size)).toEqual({ ok: true, serial: 42, records: 9 });
  });

  it.each([
    ['an escape that is not the canonical one', text.replace('\\032sp', '\\ sp'), /not in canonical form/],
    ['a dot written \\046', text.replace('a\\.b', 'a\\046b'), /not in canonical form/],
    [
      'types out of order for one owner',
      text.replace('a.x.\t60\tIN\tA\t192.0.2.3\na.x.\t60\tIN\tAAAA\t2001:db8::1', 'a.x.\t60\tIN\tAAAA\t2001:db8::1\na.x.\t60\tIN\tA\t192.0.2.3'),
      /out of type order/,
    ],
    ['a duplicate line', text.replace('*.x.\t60\tIN\tA\t192.0.2.2\n', '*.x.\t60\tIN\tA\t192.0.2.2\n*.x.\t60\tIN\tA\t192.0.2.2\n'), /duplicate/],
    ['an owner that returns after another', text + '*.x.\t60\tIN\tTXT\t"late"\n', /out of canonical order/],
    ['a relative owner', text.replace('b.a.x.', 'b.a.x'), /not absolute/],
    ['a TTL that is not a number', text.replace('a.x.\t60', 'a.x.\t6o'), /TTL/],
    ['an owner whose escaped dot only looks like it is in the zone', zoneText('x.', 1, ['a\\.x.\t60\tIN\tA\t192.0.2.1']), /outside x\./],
  ])('refuses %s', (_what, bad, re) => {
    for (const size of [3, 1 << 20]) {
      const r = check(bad, size);
      expect(r.ok).toBe(false);
      expect((r as { error: string }).error).toMatch(re);
    }
  });
});

describe('canonical text check, where chunks and owner forms meet', () => {
  // Plain owners are compared on their text, escaped ones by their wire-form key; both
  // kinds in one zone, sorted by compareCanonical (RFC 4034 §6.1).
  const owners = ['a.x.', 'a\\032.x.', 'a-.x.', 'b.a\\000.x.', 'a0.x.', 'z.a0.x.', '\\255.a0.x.', 'ab.x.', 'b.x.', '\\(.b.x.', 'c.b.x.', 'b\\.c.x.']
    .map((t) => textToName(t))
    .sort(compareCanonical)
    .map((n) => nameToText(n));
  const text = zoneText(
    'x.',
    7,
    owners.map((o) => `${o}\t60\tIN\tA\t192.0.2.1`),
  );

  it.each([1, 5, 13, 64, 1 << 20])('takes owners plain and escaped, in any mix, whatever the chunks (%i bytes)', (size) => {
    expect(check(text, size)).toEqual({ ok: true, serial: 7, records: owners.length + 1 });
  });

  it('refuses two neighbours swapped, wherever they are and whatever their forms', () => {
    for (let k = 0; k + 1 < owners.length; k++) {
      const swapped = [...owners];
      [swapped[k], swapped[k + 1]] = [swapped[k + 1]!, swapped[k]!];
      const bad = zoneText(
        'x.',
        7,
        swapped.map((o) => `${o}\t60\tIN\tA\t192.0.2.1`),
      );
      for (const size of [3, 1 << 20]) expect(check(bad, size)).toMatchObject({ ok: false, error: expect.stringMatching(/out of canonical order/) });
    }
  });

  it('an order that breaks only across a chunk boundary, and a record split by one, are seen', () => {
    const good = zoneText('x.', 1, ['b.x.\t60\tIN\tA\t192.0.2.1', 'c.x.\t60\tIN\tA\t192.0.2.1']);
    const bad = zoneText('x.', 1, ['c.x.\t60\tIN\tA\t192.0.2.1', 'b.x.\t60\tIN\tA\t192.0.2.1']);
    const boundary = bad.indexOf('b.x.');
    for (const cut of [boundary - 1, boundary, boundary + 1, boundary + 6]) {
      const c = new CanonicalChecker('x.', false);
      const bytes = Buffer.from(bad, 'latin1');
      const problem = c.add(Buffer.from(bytes.subarray(0, cut))) ?? c.add(Buffer.from(bytes.subarray(cut)));
      expect(problem).toMatch(/^line 3: the owner b\.x\. is out of canonical order/);
      const g = new CanonicalChecker('x.', false);
      const gb = Buffer.from(good, 'latin1');
      expect(g.add(Buffer.from(gb.subarray(0, cut))) ?? g.add(Buffer.from(gb.subarray(cut)))).toBeUndefined();
      expect(g.finish()).toEqual({ ok: true, serial: 1, records: 3 });
    }
  });

  it('CRLF line ends are refused, with the offset of the first CR, even when the CR ends a chunk', () => {
    const crlf = text.replace(/\n/g, '\r\n');
    const first = crlf.indexOf('\r');
    for (const size of [first, first + 1, 1 << 20]) {
      expect(check(crlf, size)).toEqual({ ok: false, error: `line 1: byte 0x0d at offset ${first}: not canonical text` });
    }
  });

  it.each([
    ['a name ending like the zone but not on a label boundary', 'ax.', /outside x\./],
    ['the zone name inside, not at the end', 'x.y.', /outside x\./],
    ['an empty label', 'a..x.', /not a name/],
    ['a label of 64 bytes', `${'a'.repeat(64)}.x.`, /not a name/],
    ['a name of 256 octets', `${'a'.repeat(63)}.${'a'.repeat(63)}.${'a'.repeat(63)}.${'a'.repeat(60)}.x.`, /longer than 255 octets/],
  ])('refuses %s', (_what, owner, re) => {
    const r = check(zoneText('x.', 1, [`${owner}\t60\tIN\tA\t192.0.2.1`]), 1 << 20);
    expect(r).toMatchObject({ ok: false, error: expect.stringMatching(re) });
  });

  it('a name of 255 octets, the most there is, is taken', () => {
    const owner = `${'a'.repeat(63)}.${'a'.repeat(63)}.${'a'.repeat(63)}.${'a'.repeat(59)}.x.`;
    expect(textToName(owner).length).toBe(255);
    expect(check(zoneText('x.', 1, [`${owner}\t60\tIN\tA\t192.0.2.1`]), 1 << 20)).toEqual({ ok: true, serial: 1, records: 2 });
  });

  it('the root zone: every owner is inside it', () => {
    const root = zoneText('.', 3, ['.\t60\tIN\tNS\ta.root-servers.net.', 'ba.\t60\tIN\tNS\tns.ba.', 'com.\t60\tIN\tNS\tns.com.']);
    expect(check(root, 1 << 20, '.')).toEqual({ ok: true, serial: 3, records: 4 });
    const swapped = zoneText('.', 3, ['com.\t60\tIN\tNS\tns.com.', 'ba.\t60\tIN\tNS\tns.ba.']);
    expect(check(swapped, 1 << 20, '.')).toMatchObject({ ok: false, error: expect.stringMatching(/out of canonical order/) });
  });

  it('accepts any set of names in canonical order and refuses any other order (property)', () => {
    const label = fc.stringMatching(/^[a-c0\-*]{1,3}$|^[a\x00 .\\]{1,2}$/);
    const name = fc
      .array(label, { minLength: 0, maxLength: 3 })
      .map((ls) => Buffer.concat([...ls.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])), textToName('x.')]));
    fc.assert(
      fc.property(fc.uniqueArray(name, { minLength: 2, maxLength: 12, selector: (n) => n.toString('hex') }), fc.nat(), (names, pick) => {
        const sorted = [...names].sort(compareCanonical).filter((n, i, a) => i === 0 || compareCanonical(a[i - 1]!, n) !== 0);
        const lines = (ns: Buffer[]) =>
          zoneText(
            'x.',
            1,
            ns.filter((n) => nameToText(n) !== 'x.').map((n) => `${nameToText(n)}\t60\tIN\tTXT\t"t"`),
          );
        expect(check(lines(sorted), 7).ok).toBe(true);
        const inner = sorted.filter((n) => nameToText(n) !== 'x.');
        if (inner.length < 2) return;
        const k = pick % (inner.length - 1);
        [inner[k], inner[k + 1]] = [inner[k + 1]!, inner[k]!];
        expect(check(lines(inner), 7)).toMatchObject({ ok: false, error: expect.stringMatching(/out of canonical order/) });
      }),
      { numRuns: 300 },
    );
  });
});

describe('checking a file and copying it in one pass', () => {
  function results(text: string): { dir: string; file: string; sha256: string } {
    const dir = scratch.dir();
    fs.mkdirSync(path.join(dir, 'zones'));
    fs.writeFileSync(path.join(dir, 'zones', 'z.zone'), text, 'latin1');
    return { dir, file: 'zones/z.zone', sha256: createHash('sha256').update(text, 'latin1').digest('hex') };
  }
  const big = zoneText(
    'x.',
    9,
    Array.from({ length: 100000 }, (_, i) => `h${String(i).padStart(6, '0')}.x.\t60\tIN\tA\t192.0.2.1`),
  );

  it('the copy holds exactly the bytes checked, over many reads', async () => {
    const r = results(big);
    const copyTo = path.join(scratch.dir(), 'copy');
    const [held] = await checkZoneFiles([{ ...r, zone: 'x.', dnssec: false, copyTo }]);
    expect(held).toEqual({ ok: true, serial: 9, records: 100001, bytes: Buffer.byteLength(big) });
    expect(Buffer.byteLength(big)).toBeGreaterThan(2 << 20);
    expect(fs.readFileSync(copyTo, 'latin1')).toBe(big);
  });

  it("a copy whose text fails the check, or whose SHA-256 is not the report's, is removed", async () => {
    const broken = results(`${big}h.y.\t60\tIN\tA\t192.0.2.1\n`);
    const wrongSha = { ...results(big), sha256: '0'.repeat(64) };
    const copies = [path.join(scratch.dir(), 'a'), path.join(scratch.dir(), 'b')];
    const held = await checkZoneFiles([
      { ...broken, zone: 'x.', dnssec: false, copyTo: copies[0] },
      { ...wrongSha, zone: 'x.', dnssec: false, copyTo: copies[1] },
    ]);
    expect(held[0]).toMatchObject({ ok: false, error: expect.stringMatching(/outside x\./) });
    expect(held[1]).toMatchObject({ ok: false, error: expect.stringMatching(/SHA-256/) });
    for (const c of copies) expect(fs.existsSync(c)).toBe(false);
  });

  it('never writes over a file that is there: the copy is a new file', async () => {
    const copyTo = path.join(scratch.dir(), 'there');
    fs.writeFileSync(copyTo, 'keep');
    await expect(checkZoneFiles([{ ...results(big), zone: 'x.', dnssec: false, copyTo }])).rejects.toMatchObject({ code: 'EEXIST' });
    expect(fs.readFileSync(copyTo, 'utf8')).toBe('keep');
  });
});
