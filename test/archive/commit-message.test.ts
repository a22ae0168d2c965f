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
      [['ba.zone', { added: 30, removed: 20, owners: owners(40) }], ['root.zone', { added: 1, removed: 1, owners: new Set(['.']) }]],
    );
    expect(text.split('\n')[0]).toBe('archive: 2 changed, 1 added');
    expect(isZonelogMessage(text)).toBe(true);
    expect(zoneCounts(text, 'ba.')).toEqual({ serial: 2, added: 30, removed: 20 });
    expect(zoneCounts(text, '.')).toEqual({ serial: 2018020200, added: 1, removed: 1 });
    expect(zoneCounts(text, 'new.')).toEqual({ serial: 7, added: 12, removed: 0 });
    // 40 owners do not fit one line: wrapped, every line under 80 characters, read back whole.
    expect(text.split('\n').filter((l) => l.startsWith('  owners: ')).length).toBeGreaterThan(1);
    expect(text.split('\n').every((l) => l.length <= 80)).toBe(true);
    expect(listedOwners(text, 'ba.')).toEqual([...owners(40)].sort());
    expect(listedOwners(text, '.')).toEqual(['.']);
    expect(listedOwners(text, 'new.')).toBeUndefined();
    expect(zoneLine(text, '~', 'a.')).toBeUndefined();
  });

  it('list no owners past the limit, or when a file came or went', () => {
    const many = message([{ kind: 'changed', zone: 'ba.', from: 1, to: 2, paths: ['ba.zone'] }], [['ba.zone', { added: 99, removed: 99, owners: owners(MAX_LISTED_OWNERS + 1) }]]);
    expect(listedOwners(many, 'ba.')).toBeUndefined();
    expect(zoneCounts(many, 'ba.')).toEqual({ serial: 2, added: 99, removed: 99 });
    const split = message([{ kind: 'changed', zone: 'ba.', from: 1, to: 2, paths: ['ba.zone', 'ba/'] }], [['ba.zone', { added: 0, removed: 5 }], ['ba/@.zone', { added: 5, removed: 0 }]]);
    expect(listedOwners(split, 'ba.')).toBeUndefined();
    // Moved from one file to parts: the 5 lines only moved, so the line gives no counts (readers diff instead).
    expect(split.split('\n').at(-1)).toBe('~ ba. 1 → 2');
    expect(zoneCounts(split, 'ba.')).toBeUndefined();
  });

  it('tell zonelog messages from others', () => {
    expect(isZonelogMessage('archive: index updated')).toBe(true);
    expect(isZonelogMessage('archive: 3 removed\n\n- a. removed')).toBe(true);
    expect(isZonelogMessage('Update archive by hand\n\n~ ba. 1 → 2 +1 −1')).toBe(false);
    expect(isZonelogMessage('archive: fixed a typo')).toBe(false);
  });
});
