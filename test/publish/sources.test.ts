import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { publish } from '../../src/publish/publish.js';
import { tempDirsPerTest, writeResults, zoneText, type FakeTarget } from '../support/results.js';

const tmp = tempDirsPerTest();

async function publishOnce(archive: string, targets: FakeTarget[]): Promise<void> {
  const r = await publish({
    dirs: [await writeResults(tmp(), targets)],
    archiveDir: archive,
    splitBytes: 40e6,
    commit: false,
    push: false,
    remote: 'origin',
    env: process.env,
  });
  if (!r.ok) throw new Error(r.error);
}

const zone = (name: string, source: string | undefined, address = '192.0.2.1'): FakeTarget => ({
  zone: name,
  address,
  outcome: 'transferred',
  text: zoneText(name, 7, [`${name}\t3600\tIN\tNS\tns.${name}`]),
  source,
});

describe("the source of each zone, from the scan's report to index.json and README.md", () => {
  it('keeps file names derived from the zone name, the source in index.json, and a README section per source', async () => {
    const archive = path.join(tmp(), 'archive');
    await publishOnce(archive, [
      zone('.', 'root'),
      zone('kp.', 'root'),
      zone('arpa.', 'arpa'),
      zone('193.in-addr.arpa.', 'arpa'),
      zone('0.a.2.ip6.arpa.', 'arpa'),
      zone('gov.kp.', 'psl'),
      zone('star.kp.', 'leaked'),
      zone('extra.example.', 'list'),
      // A results directory is untrusted: an unknown source is no source.
      zone('odd.', 'somewhere'),
    ]);
    expect(fs.existsSync(path.join(archive, '193.in-addr.arpa.zone'))).toBe(true);
    expect(fs.existsSync(path.join(archive, '0.a.2.ip6.arpa.zone'))).toBe(true);
    const idx = JSON.parse(fs.readFileSync(path.join(archive, 'index.json'), 'utf8')) as { zones: Record<string, { source?: string }> };
    expect(idx.zones['193.in-addr.arpa.']!.source).toBe('arpa');
    expect(idx.zones['gov.kp.']!.source).toBe('psl');
    expect(idx.zones['star.kp.']!.source).toBe('leaked');
    expect(idx.zones['kp.']!.source).toBe('root');
    expect(idx.zones['odd.']!.source).toBeUndefined();
    const readme = fs.readFileSync(path.join(archive, 'README.md'), 'utf8');
    const headings = readme.split('\n').filter((l) => l.startsWith('## '));
    expect(headings).toEqual([
      '## The root and the TLDs (2)',
      '## The arpa tree (3)',
      '## Public suffixes (1)',
      '## Below leaked zones (1)',
      '## Listed by hand (1)',
      '## Found before sources were recorded (1)',
    ]);
    const section = (title: string) => readme.split('## ').find((s) => s.startsWith(title))!;
    expect(section('The arpa tree')).toContain('`193.in-addr.arpa.` | [193.in-addr.arpa.zone](193.in-addr.arpa.zone)');
    expect(section('Below leaked zones')).toContain('`star.kp.`');
    expect(section('The root and the TLDs')).not.toContain('star.kp.');
  });

  it('a zone whose source is not known yet gets it with the next scan, and keeps it when a scan says nothing', async () => {
    const archive = path.join(tmp(), 'archive');
    await publishOnce(archive, [zone('gov.kp.', undefined)]);
    const read = () =>
      (JSON.parse(fs.readFileSync(path.join(archive, 'index.json'), 'utf8')) as { zones: Record<string, { source?: string }> }).zones['gov.kp.']!.source;
    expect(read()).toBeUndefined();
    await publishOnce(archive, [zone('gov.kp.', 'psl')]);
    expect(read()).toBe('psl');
    await publishOnce(archive, [zone('gov.kp.', undefined)]);
    expect(read()).toBe('psl');
  });
});
