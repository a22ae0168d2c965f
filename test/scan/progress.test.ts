import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Progress, scanSummaryMarkdown } from '../../src/scan/progress.js';
import type { Report, TargetResult } from '../../src/scan/results.js';
import { tempDir } from '../support/results.js';

function sink(): { out: Writable; text: () => string } {
  let s = '';
  return { out: new Writable({ write(c, _e, cb) { s += c; cb(); } }), text: () => s };
}
const target = (outcome: TargetResult['outcome'], address = '192.0.2.1', extra: Partial<TargetResult> = {}): TargetResult =>
  ({ zone: 'ba.', address, port: 53, nameServers: [], attempts: 1, outcome, durationMs: 1000, ...extra });
const report = (targets: TargetResult[]): Report => ({ version: 1, started: '', finished: '', options: {}, shard: { index: 2, count: 3 }, discovery: {}, targets });

describe('scan progress', () => {
  it('draws a live bar on a terminal', () => {
    const s = sink();
    const p = new Progress({ out: s.out, mode: 'tty', intervalMs: 0 });
    p.start(4);
    p.result(target('transferred'));
    p.result(target('refused'));
    expect(s.text()).toMatch(/\r\x1b\[K\[#+\.+\] 2\/4 targets · 1 transferred · 1 refused · 0 failed/);
  });

  it('writes plain lines when not a terminal, and nothing when quiet', () => {
    const s = sink();
    const p = new Progress({ out: s.out, mode: 'plain', intervalMs: 0 });
    p.start(2);
    p.result(target('timeout'));
    p.finish(report([target('timeout')]));
    const lines = s.text().trimEnd().split('\n');
    expect(lines[0]).toBe('2 targets');
    expect(lines.at(-1)).toMatch(/^1\/2 targets · 0 transferred · 0 refused · 1 failed/);
    expect(s.text()).not.toContain('\r');
    const q = sink();
    const quiet = new Progress({ out: q.out, mode: 'quiet' });
    quiet.start(1);
    quiet.result(target('refused'));
    quiet.finish(report([]));
    expect(q.text()).toBe('');
  });

  it('on GitHub Actions: a job summary and warnings for failures worth a look', () => {
    const dir = tempDir();
    const summary = path.join(dir, 'summary.md');
    const s = sink();
    const p = new Progress({ out: s.out, mode: 'quiet', githubSummary: summary, annotations: true });
    const targets = [target('transferred'), target('refused', '192.0.2.2'), target('malformed', '192.0.2.3', { detail: 'first record is not the SOA' }), target('timeout', '192.0.2.4', { durationMs: 9000 })];
    p.start(targets.length);
    for (const t of targets) p.result(t);
    p.finish(report(targets));
    expect(s.text()).toBe('::warning title=malformed from 192.0.2.3::ba. first record is not the SOA\n');
    const md = fs.readFileSync(summary, 'utf8');
    expect(md).toBe(scanSummaryMarkdown(report(targets)));
    expect(md).toContain('## zonelog scan (shard 2/3)');
    expect(md).toContain('4 targets, 1 zones transferred.');
    expect(md).toContain('| malformed | 1 |');
    expect(md.indexOf('192.0.2.4')).toBeLessThan(md.indexOf('192.0.2.1'));
    fs.rmSync(dir, { recursive: true });
  });
});
