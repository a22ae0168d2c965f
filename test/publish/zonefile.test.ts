import { describe, expect, it } from 'vitest';
import { CanonicalChecker } from '../../src/publish/zonefile.js';
import { zoneText } from '../support/results.js';

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
