/** The root-zone corpus helpers. */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { listRootZoneCommits, prepareRootZone, readRootZoneAt, servableZoneText } from './corpus.js';

describe('servableZoneText', () => {
  it('drops comments and the closing copy of the first record, nothing else', () => {
    const soa = '.\t86400\tIN\tSOA\ta.root-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 86400';
    const text = `${soa}\n; a comment\n.\t518400\tIN\tNS\ta.root-servers.net.\n${soa.replace(/\t/g, '   ')}\n`;
    expect(servableZoneText(text)).toBe(`${soa}\n.\t518400\tIN\tNS\ta.root-servers.net.\n`);
    expect(servableZoneText(`${soa}\n`)).toBe(`${soa}\n`);
  });
});

const isRrsig = (line: string) => /^\S+\s+\d+\s+IN\s+RRSIG\s/.test(line);

// What the bundle holds (see corpus.ts): 101 versions from 2018-01-29 to
// 2018-03-12; versions 1–5 keep RRSIGs and no closing SOA, version 6 has raw
// UTF-8 names, 7–101 are plain `dig AXFR .` output without RRSIGs.
describe('root zone corpus', () => {
  it('lists 101 versions, oldest first, and reads any of them', async () => {
    const commits = await listRootZoneCommits();
    expect(commits).toHaveLength(101);
    for (let i = 1; i < commits.length; i++) {
      expect(commits[i]!.date.getTime()).toBeGreaterThan(commits[i - 1]!.date.getTime());
    }
    expect(commits[0]!.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(commits[0]!.date.toISOString()).toBe('2018-01-29T12:31:13.000Z');
    const newest = (await readRootZoneAt(commits[100]!.commit)).trimEnd().split('\n');
    expect(newest[0]).toMatch(/^\.\s+86400\s+IN\s+SOA\s/);
    expect(newest[newest.length - 1]).toBe(newest[0]);
    expect(newest.length).toBeGreaterThan(15_000);
    expect(newest.some(isRrsig)).toBe(false);
    const oldest = (await readRootZoneAt(commits[0]!.commit)).trimEnd().split('\n');
    expect(oldest[0]).toMatch(/^\.\s+86400\s+IN\s+SOA\s/);
    expect(oldest[oldest.length - 1]).not.toMatch(/\sSOA\s/);
    expect(oldest.filter(isRrsig)).toHaveLength(2945);
    const nonAscii = (text: string) => text.split('\n').filter((line) => /[^\x00-\x7f]/.test(line)).length;
    expect(nonAscii(await readRootZoneAt(commits[5]!.commit))).toBe(1601);
    expect(nonAscii(await readRootZoneAt(commits[6]!.commit))).toBe(0);
  });

  it('prepares a servable file per version: only a closing duplicate SOA is dropped', async () => {
    const commits = await listRootZoneCommits();
    const newest = await prepareRootZone();
    expect(await prepareRootZone(commits[commits.length - 1]!.commit)).toBe(newest);
    const newestRaw = (await readRootZoneAt()).trimEnd().split('\n');
    expect(fs.readFileSync(newest, 'utf8').trimEnd().split('\n')).toEqual(newestRaw.slice(0, -1));
    const oldest = await prepareRootZone(commits[0]!.commit);
    expect(oldest).not.toBe(newest);
    const oldestRaw = (await readRootZoneAt(commits[0]!.commit)).trimEnd().split('\n');
    expect(fs.readFileSync(oldest, 'utf8').trimEnd().split('\n')).toEqual(oldestRaw);
  });
});
