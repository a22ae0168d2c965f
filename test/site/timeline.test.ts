import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { openHistory } from '../../src/history/history.js';
import { messageZones } from '../../src/archive/commit-message.js';
import { isPresent, readHistory, totalsOverTime, transferableSpans, historyFromJson, historyToJson, type SiteHistory } from '../../src/site/timeline.js';
import { archiveEvents, eventId, zoneEvents } from '../../src/site/events.js';
import { commit, compactIndexHistory, handHistory, newRepo, sourcesHistory, steps, zonelogMessage, type HandRepo } from './hand-history.js';

let r: HandRepo;
let hist: SiteHistory;
/** Read after c4, then brought up to date from it. */
let partial: SiteHistory;
let updated: SiteHistory;

beforeAll(async () => {
  r = newRepo();
  for (const s of steps.slice(0, 4)) s(r);
  const h = openHistory(r.dir, 'archive', process.env);
  partial = await readHistory(h, { dir: r.dir, env: process.env });
  for (const s of steps.slice(4)) s(r);
  updated = await readHistory(h, { dir: r.dir, env: process.env }, historyFromJson(JSON.parse(JSON.stringify(historyToJson(partial)))));
  hist = await readHistory(h, { dir: r.dir, env: process.env });
});
afterAll(() => fs.rmSync(r.dir, { recursive: true, force: true }));

const c = (name: string) => r.commits.get(name)!;

describe('timelines from a hand-made history', () => {
  it('reads what zonelog messages say, back as written', () => {
    // Written by zonelog's own writer, so this follows its format.
    const body = zonelogMessage(
      [
        { kind: 'changed', zone: 'ba.', from: 1, to: 2, paths: ['ba.zone'] },
        { kind: 'added', zone: 'kp.', serial: 10, records: 3, paths: ['kp.zone'] },
        { kind: 'removed', zone: 'sy.', refusing: 2, answered: 3, paths: ['sy.zone'] },
        { kind: 'servers', zone: 'uz.', before: 1, after: 2 },
      ],
      [
        ['ba.zone', { added: 2, removed: 1, owners: new Set(['ba.', 'c.ba.']) }],
        ['kp.zone', { added: 3, removed: 0 }],
        ['sy.zone', { added: 0, removed: 5 }],
      ],
    );
    expect(messageZones(body)).toEqual([
      { kind: 'changed', zone: 'ba.', from: 1, to: 2, counts: { added: 2, removed: 1 } },
      { kind: 'added', zone: 'kp.', serial: 10, records: 3 },
      { kind: 'removed', zone: 'sy.', refusing: 2, answered: 3 },
      { kind: 'servers', zone: 'uz.', before: 1, after: 2 },
    ]);
    expect(messageZones('Remove kp. by hand\n\n+ kp. 10 3 records')).toEqual([]);
  });

  it('a zone added, changed, edited by hand, and split into parts', () => {
    const ba = hist.zones.get('ba.')!;
    expect(ba.entries.map((e) => [e.commit, e.kind, e.byZonelog, e.serial, e.added, e.removed, e.records, e.delegations])).toEqual([
      [c('c1'), 'added', true, 1, 4, 0, 4, 2],
      [c('c2'), 'changed', true, 2, 2, 1, 5, 3],
      // not by zonelog: counts from the diff, the serial kept
      [c('c4'), 'changed', false, 2, 1, 0, 6, 3],
      // split into ba/: only the SOA changed; lines that moved between files do not count
      [c('c6'), 'changed', true, 3, 1, 1, 6, 3],
    ]);
    expect(ba.entries[2]!.byType).toEqual({ NS: 4, SOA: 1, TXT: 1 });
    expect(ba.entries[3]!.date).toBe('2026-01-06T10:00:00.000Z');
    expect(isPresent(ba)).toBe(true);
    expect(transferableSpans(ba).map((s) => [s.from.commit, s.to?.commit])).toEqual([[c('c1'), undefined]]);
  });

  it('a zone whose servers change, removed, re-added, and removed by hand', () => {
    const kp = hist.zones.get('kp.')!;
    expect(kp.entries.map((e) => [e.commit, e.kind, e.byZonelog, e.serial, e.added, e.removed, e.records])).toEqual([
      [c('c1'), 'added', true, 10, 3, 0, 3],
      [c('c2'), 'servers', true, 10, 0, 0, 3],
      [c('c3'), 'removed', true, 10, 0, 3, 0],
      [c('c5'), 'added', true, 12, 4, 0, 4],
      [c('c7'), 'removed', false, 12, 0, 4, 0],
    ]);
    expect(kp.entries[1]!.servers).toEqual({ before: 1, after: 2 });
    expect(kp.entries[2]!.refusal).toEqual({ refusing: 2, answered: 2 });
    expect(isPresent(kp)).toBe(false);
    expect(transferableSpans(kp).map((s) => [s.from.commit, s.to?.commit])).toEqual([
      [c('c1'), c('c3')],
      [c('c5'), c('c7')],
    ]);
  });

  it('counts the zones in the archive after every commit that touched it', () => {
    expect(hist.commits.map((x) => x.byZonelog)).toEqual([true, true, true, false, true, true, false]);
    expect(totalsOverTime(hist).map((t) => t.zones)).toEqual([2, 2, 1, 1, 2, 2, 1]);
  });

  it('brought up to date from an earlier read, equals a read from scratch', () => {
    expect(partial.commits).toHaveLength(4);
    expect(updated.head).toBe(hist.head);
    expect(historyToJson(updated)).toEqual(historyToJson(hist));
  });

  it('an earlier read from a history that was rewritten is not used', async () => {
    const other = handHistory(2);
    try {
      const h = openHistory(other.dir, 'archive', process.env);
      const fresh = await readHistory(h, { dir: other.dir, env: process.env }, hist);
      expect(fresh.commits.map((x) => x.commit)).toEqual([other.commits.get('c1'), other.commits.get('c2')]);
      expect(fresh.zones.get('kp.')!.entries).toHaveLength(2);
    } finally {
      fs.rmSync(other.dir, { recursive: true, force: true });
    }
  });

  it('an earlier read at a commit that is not an ancestor of HEAD (HEAD moved back) is not used', async () => {
    const h = openHistory(r.dir, 'archive', process.env);
    r.git('update-ref', '--no-deref', 'HEAD', c('c5'));
    try {
      const back = await readHistory(h, { dir: r.dir, env: process.env }, hist);
      expect(back.head).toBe(c('c5'));
      expect(back.commits.map((x) => x.commit)).toEqual(['c1', 'c2', 'c3', 'c4', 'c5'].map(c));
      expect(isPresent(back.zones.get('kp.')!)).toBe(true);
    } finally {
      r.git('symbolic-ref', 'HEAD', 'refs/heads/main');
    }
  });

  it('a message that claims a zone its commit did not touch is not believed', async () => {
    const other = handHistory(1);
    try {
      fs.appendFileSync(`${other.dir}/archive/index.json`, '\n');
      commit(other, 'fake', '2026-01-02T10:00:00Z', zonelogMessage([{ kind: 'added', zone: 'fake.', serial: 1, records: 3, paths: ['fake.zone'] }], []));
      const h = openHistory(other.dir, 'archive', process.env);
      const read = await readHistory(h, { dir: other.dir, env: process.env });
      expect(read.commits).toHaveLength(2);
      expect([...read.zones.keys()].sort()).toEqual(['ba.', 'kp.']);
    } finally {
      fs.rmSync(other.dir, { recursive: true, force: true });
    }
  });

  it('events: every start and stop, big changes only past the threshold, ids stable and distinct', () => {
    const kp = zoneEvents(hist.zones.get('kp.')!, 100);
    expect(kp.map((e) => [e.kind, e.entry.commit])).toEqual([
      ['started', c('c1')],
      ['stopped', c('c3')],
      ['started', c('c5')],
      ['stopped', c('c7')],
    ]);
    expect(zoneEvents(hist.zones.get('ba.')!, 1).map((e) => [e.kind, e.entry.commit])).toEqual([
      ['started', c('c1')],
      ['changed', c('c2')],
      ['changed', c('c6')],
    ]);
    expect(zoneEvents(hist.zones.get('ba.')!, 3).map((e) => e.kind)).toEqual(['started']);
    const all = archiveEvents(hist.zones.values(), 100);
    expect(all.map((e) => `${e.kind} ${e.zone}`)).toEqual(['stopped kp.', 'started kp.', 'stopped kp.', 'started ba.', 'started kp.']);
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    expect(all[0]!.id).toBe(eventId('stopped', 'kp.', c('c7')));
    expect(all[0]!.id).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('sources and the versions each address served, from index.json', () => {
  let s: HandRepo;
  let read: SiteHistory;
  beforeAll(async () => {
    s = sourcesHistory();
    read = await readHistory(openHistory(s.dir, 'archive', process.env), { dir: s.dir, env: process.env });
  });
  afterAll(() => fs.rmSync(s.dir, { recursive: true, force: true }));
  const sc = (name: string) => s.commits.get(name)!;

  it('totals over time per source; an entry without a source (an older index) counts as unknown', () => {
    expect([...read.zones.values()].map((t) => [t.zone, t.source])).toEqual([
      ['aa.', 'root'],
      ['bb.', undefined],
      ['cc.', 'psl'],
      ['dd.', 'leaked'],
    ]);
    const totals = totalsOverTime(read, (t) => t.source ?? 'unknown');
    expect(totals.map((p) => p.zones)).toEqual([2, 3, 2, 3]);
    const series = (name: string) => totals.map((p) => p.bySource.get(name));
    expect(series('root')).toEqual([1, 1, 0, 0]);
    expect(series('unknown')).toEqual([1, 1, 1, 1]);
    expect(series('psl')).toEqual([0, 1, 1, 1]);
    expect(series('leaked')).toEqual([0, 0, 0, 1]);
    expect([...totals[0]!.bySource.keys()]).toEqual(['leaked', 'psl', 'root', 'unknown']);
  });

  it('the versions served after each commit: a disagreement, then agreement', () => {
    const cc = read.zones.get('cc.')!;
    expect(cc.entries.map((e) => [e.commit, e.kind, e.served?.map((v) => [v.serial, v.addresses])])).toEqual([
      [
        sc('s2'),
        'added',
        [
          [5, ['192.0.2.3']],
          [4, ['192.0.2.4']],
        ],
      ],
      [sc('s4'), 'servers', [[5, ['192.0.2.3', '192.0.2.4']]]],
    ]);
    expect(read.zones.get('aa.')!.entries.map((e) => e.served?.length)).toEqual([1, undefined]);
    expect(read.servedFrom).toBe(sc('s1'));
  });

  it('index.json is read only as far back as its budget allows, and every new commit in an incremental read', async () => {
    const h = openHistory(s.dir, 'archive', process.env);
    const size = fs.statSync(`${s.dir}/archive/index.json`).size;
    const short = await readHistory(h, { dir: s.dir, env: process.env }, undefined, size * 2);
    expect(short.servedFrom).toBe(sc('s3'));
    expect(short.zones.get('cc.')!.entries.map((e) => e.served?.length)).toEqual([undefined, 1]);
    // The source of a zone removed inside the window is read from the index before its removal.
    expect(short.zones.get('aa.')!.source).toBe('root');
    expect(short.zones.get('bb.')!.source).toBeUndefined();
  });

  it('an index.json laid out otherwise than zonelog writes it is read whole', async () => {
    const e = compactIndexHistory();
    try {
      const got = await readHistory(openHistory(e.dir, 'archive', process.env), { dir: e.dir, env: process.env });
      expect(got.zones.get('ee.')!.entries[0]!.served?.map((v) => [v.serial, v.addresses])).toEqual([
        [3, ['192.0.2.7']],
        [2, ['192.0.2.8']],
      ]);
    } finally {
      fs.rmSync(e.dir, { recursive: true, force: true });
    }
  });
});
