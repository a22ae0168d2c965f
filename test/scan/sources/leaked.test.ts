import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { leakedChildren } from '../../../src/scan/sources/leaked.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonelog-leaked-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Canonical text of `kp.` with `n` delegations (two NS each, glue for the first), `padding` TXT lines at the apex first. */
function zoneFile(name: string, n: number, padding = 0): string {
  const lines = ['kp.\t86400\tIN\tSOA\tns1.kp. hostmaster.kp. 1 3600 600 86400 3600', 'kp.\t86400\tIN\tNS\tns1.kp.'];
  for (let i = 0; i < padding; i++) lines.push(`kp.\t86400\tIN\tTXT\t"padding line ${i} ${'x'.repeat(40)}"`);
  for (let i = 0; i < n; i++) {
    const child = `c${String(i).padStart(4, '0')}.kp.`;
    lines.push(`${child}\t86400\tIN\tNS\tns1.${child}`, `${child}\t86400\tIN\tNS\tns.elsewhere.example.`);
    lines.push(`ns1.${child}\t86400\tIN\tA\t192.0.2.${i % 250}`);
  }
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${lines.join('\n')}\n`, 'latin1');
  return file;
}

describe('leakedChildren', () => {
  it('gives the delegations of a small zone, with glue where the zone has it, across read chunks', () => {
    // About 90 kB of apex lines first: the delegations come after the first chunk ends.
    const file = zoneFile('small.zone', 40, 1200);
    expect(fs.statSync(file).size).toBeGreaterThan(1 << 16);
    const c = leakedChildren(file, 'kp.', 100);
    expect(c.kind).toBe('children');
    if (c.kind !== 'children') return;
    expect(c.delegations.size).toBe(40);
    expect(c.delegations.get('c0007.kp.')).toEqual(
      new Map([
        ['ns1.c0007.kp.', ['192.0.2.7']],
        ['ns.elsewhere.example.', []],
      ]),
    );
  });

  it('stops at the first delegation beyond the limit', () => {
    expect(leakedChildren(zoneFile('big.zone', 5000), 'kp.', 100)).toEqual({ kind: 'too-many', atLeast: 101 });
    expect(leakedChildren(zoneFile('edge.zone', 101), 'kp.', 100)).toEqual({ kind: 'too-many', atLeast: 101 });
    expect(leakedChildren(zoneFile('exact.zone', 100), 'kp.', 100).kind).toBe('children');
  });

  it('a zone that delegates nothing has no children', () => {
    expect(leakedChildren(zoneFile('none.zone', 0, 10), 'kp.', 100)).toEqual({ kind: 'none' });
  });
});
