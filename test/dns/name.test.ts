import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { NameError, compareCanonical, fromLabels, isInZone, labels, lowerName, nameKey, nameLength, nameToText, textToName } from '../../src/dns/name.js';

const label = fc.uint8Array({ minLength: 1, maxLength: 8 }).map((a) => Buffer.from(a));
/** Names from a small alphabet of bytes so that shared suffixes, case pairs and the bytes 0, 1, 0xff all occur. */
const interestingByte = fc.constantFrom(0, 1, 0x2e, 0x41, 0x61, 0x42, 0x62, 0x5c, 0x7f, 0x80, 0xff, 0x2a, 0x20);
const smallLabel = fc.array(interestingByte, { minLength: 1, maxLength: 3 }).map((a) => Buffer.from(a));
const name = fc.array(fc.oneof(label, smallLabel), { maxLength: 5 }).map((ls) => fromLabels(ls));

describe('name presentation', () => {
  it('prints the root as a dot and other names absolute', () => {
    expect(nameToText(textToName('.'))).toBe('.');
    expect(nameToText(textToName('Example.COM.'))).toBe('Example.COM.');
  });

  it('escapes dots, backslashes, quotes, specials and non-printable bytes', () => {
    const n = fromLabels([Buffer.from('a.b'), Buffer.from([0x20, 0x5c, 0x22, 0x80, 0x28, 0x29, 0x3b, 0x40, 0x24, 0x00]), Buffer.from('x')]);
    expect(nameToText(n)).toBe('a\\.b.\\032\\\\\\"\\128\\040\\041\\059\\064\\036\\000.x.');
  });

  it('reads back what it prints (property)', () => {
    fc.assert(
      fc.property(name, (n) => {
        expect(textToName(nameToText(n)).equals(n)).toBe(true);
      }),
    );
  });

  it('resolves relative names and @ against the origin', () => {
    const origin = textToName('example.');
    expect(nameToText(textToName('www', origin))).toBe('www.example.');
    expect(nameToText(textToName('@', origin))).toBe('example.');
    expect(nameToText(textToName('a\\.b', origin))).toBe('a\\.b.example.');
  });

  it('refuses bad escapes', () => {
    expect(() => textToName('a\\1b.')).toThrow(NameError);
    expect(() => textToName('\\\u0141.')).toThrow(NameError);
    expect(() => textToName('a\\256.')).toThrow(NameError);
  });

  it('refuses labels over 63 and names over 255 octets', () => {
    expect(() => textToName('a'.repeat(64) + '.')).toThrow(NameError);
    expect(() => textToName(Array(128).fill('a').join('.') + '.')).toThrow(NameError);
    expect(() => nameLength(Buffer.from([64, ...Buffer.alloc(64), 0]))).toThrow(NameError);
  });
});

describe('canonical order (RFC 4034 §6.1)', () => {
  it('orders the example of RFC 4034 §6.1', () => {
    const rfc = [
      'example.',
      'a.example.',
      'yljkjljk.a.example.',
      'Z.a.example.',
      'zABC.a.EXAMPLE.',
      'z.example.',
      '\\001.z.example.',
      '*.z.example.',
      '\\200.z.example.',
    ];
    const shuffled = [...rfc].reverse().map((t) => textToName(t));
    shuffled.sort((a, b) => Buffer.compare(nameKey(a), nameKey(b)));
    expect(shuffled.map((n) => nameToText(n))).toEqual(rfc);
  });

  it('agrees with a direct implementation of the RFC on random names (property)', () => {
    fc.assert(
      fc.property(name, name, (a, b) => {
        const direct = Math.sign(compareCanonical(a, b));
        const byKey = Math.sign(Buffer.compare(nameKey(a), nameKey(b)));
        expect(byKey).toBe(direct);
      }),
      { numRuns: 5000 },
    );
  });

  it('keys are never a proper prefix of one another unless the names are equal', () => {
    fc.assert(
      fc.property(name, name, (a, b) => {
        const ka = nameKey(a);
        const kb = nameKey(b);
        if (ka.length < kb.length && kb.subarray(0, ka.length).equals(ka)) expect(compareCanonical(a, b)).toBe(0);
      }),
    );
  });
});

describe('zone membership', () => {
  it('is case-insensitive and label-aligned', () => {
    const zone = textToName('example.');
    expect(isInZone(textToName('WWW.Example.'), zone)).toBe(true);
    expect(isInZone(textToName('example.'), zone)).toBe(true);
    expect(isInZone(textToName('badexample.'), zone)).toBe(false);
    expect(isInZone(textToName('example.net.'), zone)).toBe(false);
    expect(isInZone(textToName('anything.'), textToName('.'))).toBe(true);
    // a label holding a dot is not two labels
    expect(isInZone(fromLabels([Buffer.from('x.example')]), zone)).toBe(false);
  });

  it('lowercases ASCII letters only', () => {
    const n = fromLabels([Buffer.from([0x41, 0xc4, 0x5a])]);
    expect([...labels(lowerName(n))[0]!]).toEqual([0x61, 0xc4, 0x7a]);
  });
});
