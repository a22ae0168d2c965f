import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Progress, scanSummaryMarkdown } from '../../src/scan/progress.js';
import type { Report, TargetResult } from '../../src/scan/results.js';
import { tempDir } from '../support/results.js';

function sink(): { out: Writable; text: () => string } {
  let s = '';
  return {
    out: new Writable({
      write(c, _e, cb) {
        s += c;
        cb();
      },
    }),
    text: () => s,
  };
}
const target = (outcome: TargetResult['outcome'], address = '192.0.2.1', extra: Partial<TargetResult> = {}): TargetResult => ({
  zone: 'ba.',
  address,
  port: 53,
  nameServers: [],
  attempts: 1,
  outcome,
  durationMs: 1000,
  ...extra,
});
const report = (targets: TargetResult[]): Report => ({
  version: 1,
  started: '',
  finished: '',
  options: {},
  shard: { index: 2, count: 3 },
  discovery: {},
  targets,
});

describe('scan progress', () => {
  it('draws a live bar on a terminal', () => {
    const s = sink();
    const p = new Progress({ out: s.out, mode: 'tty', intervalMs: 0 });
    p.start(4);
    p.result(target('transferred'));
    p.result(target('refused'));
    expect(s.text()).toMatch(/\r\x1b\[K\[#+\.+\] 2\/4 targets · 1 transferred · 1 refused · 0 notauth · 0 failed/);
  });

  it('writes plain lines when not a terminal, and nothing when quiet', () => {
    const s = sink();
    const p = new Progress({ out: s.out, mode: 'plain', intervalMs: 0 });
    p.start(2);
    p.result(target('timeout'));
    p.finish(report([target('timeout')]));
    const lines = s.text().trimEnd().split('\n');
    expect(lines[0]).toBe('2 targets');
    expect(lines.at(-2)).toMatch(/^1\/2 targets · 0 transferred · 0 refused · 0 notauth · 1 failed/);
    expect(lines.at(-1)).toBe('scan done: 0 zones transferred (0 of 1 targets); refused 0, NOTAUTH 0; failed 1 (timeout 1)');
    expect(s.text()).not.toContain('\r');
    const q = sink();
    const quiet = new Progress({ out: q.out, mode: 'quiet' });
    quiet.start(1);
    quiet.result(target('refused'));
    quiet.finish(report([]));
    expect(q.text()).toBe('');
  });

  it('ends with what was transferred, refused, NOTAUTH and failed, where the results are and what to run next', () => {
    const s = sink();
    const p = new Progress({ out: s.out, mode: 'plain', intervalMs: 0, next: { results: 'out', command: 'zonelog publish out --commit' } });
    const targets = [
      target('transferred'),
      target('transferred', '192.0.2.2'),
      target('transferred', '192.0.2.3', { zone: 'sy.' }),
      target('refused', '192.0.2.4'),
      target('refused', '192.0.2.5'),
      target('notauth', '192.0.2.6'),
      target('timeout', '192.0.2.7'),
      target('timeout', '192.0.2.8'),
      target('reset', '192.0.2.9'),
      target('skipped', '192.0.2.10'),
    ];
    p.start(targets.length);
    for (const t of targets) p.result(t);
    p.finish(report(targets));
    const lines = s.text().trimEnd().split('\n');
    expect(lines.at(-2)).toBe(
      'scan done: 2 zones transferred (3 of 10 targets); refused 2, NOTAUTH 1; failed 3 (timeout 2, reset 1); 1 skipped at the deadline',
    );
    expect(lines.at(-1)).toBe('results in out; next: zonelog publish out --commit');
  });

  it('does not sit at ETA 0s while the last transfers run out their timeouts', () => {
    let now = 1_000_000;
    const s = sink();
    const p = new Progress({ out: s.out, mode: 'quiet', now: () => now });
    p.start(10);
    for (let i = 0; i < 8; i++) {
      now += 100;
      p.result(target('refused'));
    }
    expect(p.line(now)).toMatch(/ETA 0s$/);
    // 20 s later the last two are still running: no result came, the rate says they should be done
    now += 20_000;
    expect(p.line(now)).toMatch(/· waiting for the last 2 \(no answer for 20s\)$/);
    now += 100;
    p.result(target('timeout'));
    expect(p.line(now)).toMatch(/ETA \d+s$/);
  });

  it('on GitHub Actions: a job summary and warnings for failures worth a look', () => {
    const dir = tempDir();
    const summary = path.join(dir, 'summary.md');
    const s = sink();
    const p = new Progress({ out: s.out, mode: 'quiet', githubSummary: summary, annotations: true });
    const targets = [
      target('transferred'),
      target('refused', '192.0.2.2'),
      target('malformed', '192.0.2.3', { detail: 'first record is not the SOA' }),
      target('timeout', '192.0.2.4', { durationMs: 9000 }),
    ];
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
