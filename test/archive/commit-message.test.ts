import { describe, expect, it } from 'vitest';
import { MAX_LISTED_OWNERS, commitMessage, isZonelogMessage, listedOwners, zoneCounts, zoneLine, type FileStat } from '../../src/archive/commit-message.js';
import type { ZoneChange } from '../../src/archive/writer.js';

const owners = (n: number) => new Set(Array.from({ length: n }, (_, i) => `host-number-${String(i).padStart(3, '0')}.ba.`));

function message(changes: ZoneChange[], stats: [string, FileStat][]): string {
  const m = commitMessage(changes, new Map(stats));
  return `${m.subject}\n\n${m.body}`;
}

describe('commit messages', () => {
  it('are read back as written: subject, counts, serials and owners', () => {
    const text = message(
      [
        { kind: 'changed', zone: 'ba.', from: 1, to: 2, paths: ['ba.zone'] },
        { kind: 'changed', zone: '.', from: 2018020100, to: 2018020200, paths: ['root.zone'] },
        { kind: 'added', zone: 'new.', serial: 7, records: 12, paths: ['new.zone'] },
      ],
      [
        ['ba.zone', { added: 30, removed: 20, owners: owners(40) }],
        ['root.zone', { added: 1, removed: 1, owners: new Set(['.']) }],
      ],
    );
    expect(text.split('\n')[0]).toBe('archive: + new. (new), ~ ., ~ ba.');
    expect(isZonelogMessage(text)).toBe(true);
    expect(zoneCounts(text, 'ba.')).toEqual({ serial: 2, added: 30, removed: 20 });
    expect(zoneCounts(text, '.')).toEqual({ serial: 2018020200, added: 1, removed: 1 });
    expect(zoneCounts(text, 'new.')).toEqual({ serial: 7, added: 12, removed: 0 });
    // The owners are a trailer block at the end, relative to the zone; 40 do not fit one
    // line: wrapped, every line under 80 characters, read back whole.
    const paragraphs = text.split('\n\n');
    expect(paragraphs.at(-1)!.split('\n')[0]).toBe('Owners: . @');
    expect(paragraphs.at(-1)!.split('\n')[1]).toMatch(/^Owners: ba\. host-number-000 host-number-001 /);
    expect(paragraphs.at(-1)!.split('\n').length).toBeGreaterThan(2);
    expect(text).toContain('~ ba. 1 → 2 +30 -20\n');
    expect(text).not.toContain('\u2212');
    expect(text.split('\n').every((l) => l.length <= 80)).toBe(true);
    expect(listedOwners(text, 'ba.')).toEqual([...owners(40)].sort());
    expect(listedOwners(text, '.')).toEqual(['.']);
    expect(listedOwners(text, 'new.')).toBeUndefined();
    expect(zoneLine(text, '~', 'a.')).toBeUndefined();
  });

  it('list no owners past the limit, or when a file came or went', () => {
    const many = message(
      [{ kind: 'changed', zone: 'ba.', from: 1, to: 2, paths: ['ba.zone'] }],
      [['ba.zone', { added: 99, removed: 99, owners: owners(MAX_LISTED_OWNERS + 1) }]],
    );
    expect(listedOwners(many, 'ba.')).toBeUndefined();
    expect(zoneCounts(many, 'ba.')).toEqual({ serial: 2, added: 99, removed: 99 });
    const split = message(
      [{ kind: 'changed', zone: 'ba.', from: 1, to: 2, paths: ['ba.zone', 'ba/'] }],
      [
        ['ba.zone', { added: 0, removed: 5 }],
        ['ba/@.zone', { added: 5, removed: 0 }],
      ],
    );
    expect(listedOwners(split, 'ba.')).toBeUndefined();
    // Moved from one file to parts: the 5 lines only moved, so the line gives no counts (readers diff instead).
    expect(split.split('\n').at(-1)).toBe('~ ba. 1 → 2');
    expect(zoneCounts(split, 'ba.')).toBeUndefined();
  });

  it('name zones in the subject when they fit in 72 characters, else count them', () => {
    const changed = (zone: string): ZoneChange => ({ kind: 'changed', zone, from: 1, to: 2, paths: [`${zone.slice(0, -1)}.zone`] });
    const subject = (changes: ZoneChange[]) => commitMessage(changes, new Map()).subject;
    const nine = ['sy.', 'ba.', 'cc.', 'dd.', 'ee.', 'ff.', 'gg.', 'hh.', 'ii.'].map(changed);
    const some = subject([{ kind: 'added', zone: 'kp.', serial: 1, records: 3, paths: ['kp.zone'] }, ...nine]);
    expect(some.length).toBeLessThanOrEqual(72);
    expect(some).toMatch(/^archive: \+ kp\. \(new\), ~ ba\., ~ cc\., .*~ \d+ more$/);
    expect(isZonelogMessage(some)).toBe(true);
    expect(subject([changed('ba.'), { kind: 'removed', zone: 'gone.', refusing: 2, answered: 2, paths: ['gone.zone'] }])).toBe('archive: - gone., ~ ba.');
    const mixed = subject([...Array.from({ length: 30 }, (_, i) => changed(`zone-${i}.`)), { kind: 'servers', zone: 'zz.', before: 1, after: 2 }]);
    expect(mixed).toMatch(/, \d+ more$/);
    // A name too long for any subject: counts.
    const long = `${'a'.repeat(63)}.${'b'.repeat(20)}.`;
    expect(subject([changed(long)])).toBe('archive: 1 changed');
    expect(isZonelogMessage('archive: ~ ba., ~ 7 more')).toBe(true);
  });

  it('read the older form: a typographic minus and owners lines under the zone', () => {
    const old = 'archive: 2 changed\n\n~ ba. 1 → 2 +3 \u22121\n  owners: a.ba. ba.\n  owners: www.ba.\n~ sy. 5 → 6 +1 \u22121';
    expect(zoneCounts(old, 'ba.')).toEqual({ serial: 2, added: 3, removed: 1 });
    expect(listedOwners(old, 'ba.')).toEqual(['a.ba.', 'ba.', 'www.ba.']);
    expect(listedOwners(old, 'sy.')).toBeUndefined();
  });

  it('write owners relative to the zone, absolute where that would be ambiguous', () => {
    const m = message(
      [
        { kind: 'changed', zone: 'ba.', from: 1, to: 2, paths: ['ba.zone'] },
        { kind: 'changed', zone: '.', from: 1, to: 2, paths: ['root.zone'] },
      ],
      [
        ['ba.zone', { added: 3, removed: 0, owners: new Set(['ba.', 'a\\..ba.', '\\064.ba.']) }],
        ['root.zone', { added: 2, removed: 0, owners: new Set(['.', 'com.']) }],
      ],
    );
    expect(m).toContain('Owners: . @ com\n');
    expect(listedOwners(m, 'ba.')!.sort()).toEqual(['\\064.ba.', 'a\\..ba.', 'ba.']);
    expect(listedOwners(m, '.')).toEqual(['.', 'com.']);
  });

  it('tell zonelog messages from others', () => {
    expect(isZonelogMessage('archive: index updated')).toBe(true);
    expect(isZonelogMessage('archive: 3 removed\n\n- a. removed')).toBe(true);
    expect(isZonelogMessage('Update archive by hand\n\n~ ba. 1 → 2 +1 −1')).toBe(false);
    expect(isZonelogMessage('archive: fixed a typo')).toBe(false);
  });
});
