/**
 * The AXFR client against a misbehaving server (docs/architecture.md §4, RFC 5936).
 *
 * Every case runs twice against the same in-process server: once through
 * `transfer()` and once through `zonelog axfr … -o FILE --json`. It checks the
 * exact outcome, the exact canonical text of a completed transfer, that a failed
 * transfer writes nothing (no FILE, no temporary file, no sort run left behind),
 * that the client stayed within its limits, used one connection at a time, sent
 * one plain AXFR query, and closed every connection it opened.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { transfer, type TransferResult } from '../../src/axfr/transfer.js';
import { frame } from '../../src/dns/framing.js';
import { textToName } from '../../src/dns/name.js';
import type { FailureKind } from '../../src/axfr/outcome.js';
import { CLASS_IN, TYPE } from '../../src/dns/types.js';
import { zonelog } from '../support/cli.js';
import { BadServer, type Script, deadPort, neverAnswer, rdata, rr, soaRecord } from '../support/badserver.js';
import { BODY, EXPECTED, EXPECTED_LINES, FULL, SERIAL, SOA, ZONE, messagesOf, serve } from '../support/zone-streams.js';

/* ------------------------------------------------------------------ harness */

interface Limits {
  /** Seconds. */
  idle: number;
  deadline: number;
  connect: number;
  maxRecords?: number;
  maxBytes?: number;
  memoryBudget?: number;
}

/** Generous where a case does not test a limit: a local server answers in milliseconds. */
const NORMAL: Limits = { idle: 2, deadline: 5, connect: 2 };
/** For the cases that wait for a limit. */
const QUICK: Limits = { idle: 0.5, deadline: 2, connect: 2 };

/** Largest read Node hands to a 'data' listener: the client may overshoot --max-bytes by at most this. */
const READ_CHUNK = 65536;

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  report: Record<string, unknown> & { kind: string };
  /** The output file's text, or undefined when there is none. */
  file: string | undefined;
  /** Everything left in the output's directory. */
  leftovers: string[];
}

interface CaseRun {
  address: string;
  limits: Limits;
  api: TransferResult;
  apiText: string | undefined;
  /** Everything left in the directory given to transfer() as tmpDir. */
  apiLeftovers: string[];
  cli: CliRun;
  server?: BadServer;
  /** Every connection closed shortly after the client returned. */
  allClosed: boolean;
}

interface CaseOptions {
  zone?: string;
  limits?: Partial<Limits>;
}

interface ApiRun {
  api: TransferResult;
  apiText: string | undefined;
  apiLeftovers: string[];
}

async function runApi(port: number, zone: string, limits: Limits): Promise<ApiRun> {
  const apiDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonelog-axfr-api-'));
  try {
    const api = await transfer({
      zone: textToName(zone),
      server: { host: '127.0.0.1', port },
      limits: {
        idleTimeoutMs: limits.idle * 1000,
        deadlineMs: limits.deadline * 1000,
        connectTimeoutMs: limits.connect * 1000,
        ...(limits.maxRecords !== undefined && { maxRecords: limits.maxRecords }),
        ...(limits.maxBytes !== undefined && { maxBytes: limits.maxBytes }),
      },
      memoryBudget: limits.memoryBudget,
      tmpDir: apiDir,
    });
    let apiText: string | undefined;
    if (api.zone) {
      try {
        apiText = [...api.zone.chunks()].join('');
      } finally {
        api.zone.dispose();
      }
    }
    return { api, apiText, apiLeftovers: fs.readdirSync(apiDir) };
  } finally {
    fs.rmSync(apiDir, { recursive: true, force: true });
  }
}

async function runCli(port: number, zone: string, limits: Limits): Promise<CliRun> {
  const cliDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zonelog-axfr-cli-'));
  try {
    const out = path.join(cliDir, 'out.zone');
    const args = ['axfr', zone, '--server', `127.0.0.1:${port}`, '-o', out, '--json'];
    args.push('--timeout', String(limits.idle), '--deadline', String(limits.deadline), '--connect-timeout', String(limits.connect));
    if (limits.maxRecords !== undefined) args.push('--max-records', String(limits.maxRecords));
    if (limits.maxBytes !== undefined) args.push('--max-bytes', String(limits.maxBytes));
    if (limits.memoryBudget !== undefined) args.push('--memory-budget', String(limits.memoryBudget));
    const { code, stdout, stderr } = await zonelog(args, {});
    return {
      code,
      stdout,
      stderr,
      report: stdout ? JSON.parse(stdout) : { kind: '(no JSON on stdout)' },
      file: fs.existsSync(out) ? fs.readFileSync(out, 'latin1') : undefined,
      leftovers: fs.readdirSync(cliDir),
    };
  } finally {
    fs.rmSync(cliDir, { recursive: true, force: true });
  }
}

/**
 * Starts a server with `script`, runs transfer() then the CLI against it, stops it.
 * Between the two, it waits for the first connection to close, so that the peak
 * of simultaneous connections is each client's own.
 */
async function runCase(script: Script, opts: CaseOptions = {}): Promise<CaseRun> {
  const limits = { ...NORMAL, ...opts.limits };
  const zone = opts.zone ?? 'example.';
  const server = await BadServer.start(script);
  try {
    const api = await runApi(server.port, zone, limits);
    const apiClosed = await server.allClosed();
    const cli = await runCli(server.port, zone, limits);
    const cliClosed = await server.allClosed();
    return { address: server.address, limits, ...api, cli, server, allClosed: apiClosed && cliClosed };
  } finally {
    await server.close();
  }
}

/** Words of the stderr sentence for each outcome (src/axfr/outcome.ts describeFailure). */
const SAYS: Record<FailureKind, RegExp> = {
  refused: /^zonelog: refused by /,
  notauth: /^zonelog: not authoritative at /,
  notimp: /^zonelog: NOTIMP from .*\(NOTIMP\)$/,
  servfail: /^zonelog: SERVFAIL from .*\(SERVFAIL\)$/,
  formerr: /^zonelog: FORMERR from .*\(FORMERR\)$/,
  'other-rcode': /^zonelog: \w+ from /,
  timeout: /^zonelog: timed out at /,
  unreachable: /unreachable/,
  'connection-refused': /^zonelog: connection refused by /,
  reset: /^zonelog: connection reset by /,
  truncated: /^zonelog: transfer from .* ended early/,
  malformed: /^zonelog: malformed response from /,
  limit: /^zonelog: transfer from .* stopped at a limit/,
  aborted: /cut by the scan's deadline/,
};

/** The query is one question, the zone, AXFR, IN, and nothing else (RFC 5936 §2.1, no OPT). */
function expectPlainQueries(run: CaseRun, zone = 'example.'): void {
  const name = textToName(zone);
  for (const c of run.server!.connections) {
    expect(c.query, 'a complete query on every connection').toBeDefined();
    const { header, questions } = c.query!;
    expect(header).toMatchObject({ qr: false, opcode: 0, tc: false, rcode: 0, qdcount: 1, ancount: 0, nscount: 0, arcount: 0 });
    expect(questions).toHaveLength(1);
    expect(questions[0]!.name.equals(name)).toBe(true);
    expect(questions[0]!.type).toBe(TYPE.AXFR);
    expect(questions[0]!.class).toBe(CLASS_IN);
    expect(c.queryBytes!.length).toBe(12 + name.length + 4);
    expect(c.extraBytes, 'the client sends nothing after its query').toBe(0);
  }
}

function expectPolite(run: CaseRun, zone?: string): void {
  const server = run.server!;
  expect(server.errors).toEqual([]);
  expect(server.connections, 'one connection for transfer(), one for the CLI').toHaveLength(2);
  expect(server.peakConnections).toBe(1);
  expect(run.allClosed, 'every connection closed').toBe(true);
  for (const c of server.connections) expect(c.clientClosed || c.serverClosed).toBe(true);
  expectPlainQueries(run, zone);
}

function expectFailure(run: CaseRun, kind: FailureKind, detail?: RegExp): void {
  if (run.server) expectPolite(run);
  const { api, cli } = run;
  expect(api.outcome.kind, JSON.stringify(api.outcome)).toBe(kind);
  expect(api.zone).toBeUndefined();
  if (detail && api.outcome.kind !== 'transferred') expect(api.outcome.detail).toMatch(detail);
  expect(run.apiLeftovers, 'no sort runs left behind').toEqual([]);
  // Within the byte limit, give or take one read.
  expect(api.outcome.bytes).toBeLessThanOrEqual((run.limits.maxBytes ?? 8 * 1024 ** 3) + READ_CHUNK);

  expect(cli.report.kind, cli.stdout + cli.stderr).toBe(kind);
  expect(cli.code).toBe(2);
  expect(cli.file, 'nothing written to -o').toBeUndefined();
  expect(cli.leftovers, 'no temporary file or sort run left in the output directory').toEqual([]);
  expect(cli.stderr.endsWith('\n')).toBe(true);
  const lines = cli.stderr.slice(0, -1).split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(run.address);
  expect(lines[0]).toMatch(SAYS[kind]);
}

function expectTransferred(run: CaseRun, text = EXPECTED, lines = EXPECTED_LINES, serverCloses = false): void {
  expectPolite(run);
  const { api, cli } = run;
  expect(api.outcome.kind, JSON.stringify(api.outcome)).toBe('transferred');
  expect(run.apiText).toBe(text);
  expect(run.apiLeftovers).toEqual([]);
  expect(cli.code, cli.stderr).toBe(0);
  expect(cli.stderr).toBe('');
  expect(cli.file).toBe(text);
  expect(cli.leftovers).toEqual(['out.zone']);
  expect(cli.report).toMatchObject({ kind: 'transferred', serial: SERIAL, records: lines });
  expect(cli.report.sha256).toBe(createHash('sha256').update(text, 'latin1').digest('hex'));
  // Unless the case says so, the server never closes: the client must (docs/architecture.md §4.5).
  if (!serverCloses) {
    for (const c of run.server!.connections) {
      expect(c.serverClosed).toBe(false);
      expect(c.clientClosed).toBe(true);
    }
  }
}

/* ------------------------------------------------------------------ scripts */

/** A deterministic shuffle (xorshift), so a failure reproduces. */
function shuffled<T>(list: readonly T[], seed: number): T[] {
  const out = [...list];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const j = (s >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const name = (text: string) => textToName(text);

/* -------------------------------------------------------------------- cases */

describe('transfer: well-formed streams', () => {
  it('one record per message', async () => {
    expectTransferred(await runCase(serve(FULL, 1)));
  });

  it('a first message holding only the SOA', async () => {
    expectTransferred(await runCase(serve(FULL, [1, FULL.length - 1])));
  });

  it('all records in one message', async () => {
    const run = await runCase(serve(FULL));
    expectTransferred(run);
    expect(run.api.outcome).toMatchObject({ kind: 'transferred', serial: SERIAL, messages: 1, counts: { kept: 10, outOfZone: 0, otherClass: 0 } });
  });

  it('ignores messages after the one with the closing SOA', async () => {
    const after = [rr('late.example.', 'A', rdata.a('192.0.2.99')), soaRecord('example.', SERIAL + 1), rr('x.example.', 'A', rdata.a('192.0.2.98'))];
    const run = await runCase(async (ctx) => {
      await ctx.send(...messagesOf(ctx, FULL, 4));
      await ctx.send(...messagesOf(ctx, after, 1));
    });
    expectTransferred(run);
  });

  it('gives byte-identical text whatever the order of the records and the split into messages', async () => {
    const variants: Script[] = [
      serve(FULL, 1),
      serve([SOA, ...[...BODY].reverse(), SOA], [3, 1, 4, 2]),
      serve([SOA, ...shuffled(BODY, 7), SOA]),
      serve([SOA, ...shuffled(BODY, 12345), SOA], [2, 5]),
    ];
    const texts: string[] = [];
    for (const script of variants) {
      const run = await runCase(script);
      expectTransferred(run);
      texts.push(run.cli.file!, run.apiText!);
    }
    for (const t of texts) expect(Buffer.from(t, 'latin1').equals(Buffer.from(EXPECTED, 'latin1'))).toBe(true);
  });

  it('drops out-of-zone records and counts them', async () => {
    const outside = [
      rr('www.example.net.', 'A', rdata.a('198.51.100.1')),
      rr('net.', 'NS', rdata.ns('a.gtld.net.')),
      rr('.', 'NS', rdata.ns('a.root-servers.net.')),
      // The zone's wire form is a byte suffix of this name, but not on a label boundary.
      rr('a\\007example.', 'A', rdata.a('198.51.100.2')),
      // Not in the zone either: a sibling that only shares a suffix of letters.
      rr('notexample.', 'A', rdata.a('198.51.100.3')),
    ];
    const records = [SOA, outside[0]!, ...BODY.slice(0, 4), outside[1]!, outside[2]!, ...BODY.slice(4), outside[3]!, outside[4]!, SOA];
    const run = await runCase(serve(records, 3));
    expectTransferred(run);
    expect(run.api.outcome).toMatchObject({ counts: { kept: 10, outOfZone: 5, otherClass: 0 } });
    expect(run.cli.report).toMatchObject({ counts: { outOfZone: 5 } });
  });

  it('stops reading after the closing SOA even with garbage behind it, in the same write', async () => {
    const garbage = Buffer.from('ffff0000deadbeef'.repeat(8), 'hex');
    const run = await runCase((ctx) => ctx.write(Buffer.concat([...messagesOf(ctx, FULL, 4).map((m) => frame(m)), garbage])));
    expectTransferred(run);
  });

  it('stops reading after the closing SOA even with garbage behind it, later', async () => {
    const run = await runCase(async (ctx) => {
      await ctx.send(...messagesOf(ctx, FULL, 4));
      await ctx.sleep(30);
      await ctx.write(Buffer.from([0x00, 0x05, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x00]));
      await ctx.send(Buffer.alloc(0));
    });
    expectTransferred(run);
  });

  it('completes when the server closes right after the closing SOA', async () => {
    const run = await runCase(async (ctx) => {
      await ctx.send(...messagesOf(ctx, FULL, 4));
      ctx.end();
    });
    expectTransferred(run, EXPECTED, EXPECTED_LINES, true);
  });

  it('closes the connection itself after the closing SOA while the server keeps it open', async () => {
    let served = 0;
    const run = await runCase(async (ctx) => {
      await ctx.send(...messagesOf(ctx, FULL, 5));
      served++;
      // The server does nothing more: no FIN, no RST.
    });
    expectTransferred(run);
    expect(served).toBe(2);
    const conns = run.server!.connections;
    expect(conns.map((c) => ({ clientClosed: c.clientClosed, serverClosed: c.serverClosed, closed: c.closed }))).toEqual([
      { clientClosed: true, serverClosed: false, closed: true },
      { clientClosed: true, serverClosed: false, closed: true },
    ]);
  });
});

describe('transfer: error rcodes', () => {
  const cases: [FailureKind, number, string][] = [
    ['refused', 5, 'REFUSED'],
    ['notauth', 9, 'NOTAUTH'],
    ['servfail', 2, 'SERVFAIL'],
  ];
  it.each(cases)('%s as the first message', async (kind, rcode, rcodeName) => {
    const run = await runCase((ctx) => ctx.send(ctx.response({ rcode })));
    expectFailure(run, kind);
    expect(run.api.outcome).toMatchObject({ rcode, rcodeName });
  });

  it.each([
    ['notimp', 4],
    ['formerr', 1],
    ['other-rcode', 3],
  ] as [FailureKind, number][])('%s', async (kind, rcode) => {
    const run = await runCase((ctx) => ctx.send(ctx.response({ rcode })));
    expectFailure(run, kind);
    expect(run.api.outcome).toMatchObject({ rcode });
  });
});

describe('transfer: streams that do not make a zone', () => {
  it('first record not the SOA', async () => {
    expectFailure(await runCase(serve([BODY[2]!, SOA, ...BODY.slice(3), SOA])), 'malformed', /first record/);
  });

  it('EOF before the closing SOA', async () => {
    const run = await runCase(async (ctx) => {
      await ctx.send(...messagesOf(ctx, ZONE, 3));
      ctx.end();
    });
    expectFailure(run, 'truncated', /before the closing SOA/);
  });

  it('EOF before any response', async () => {
    expectFailure(await runCase((ctx) => ctx.end()), 'truncated', /before any response/);
  });

  it('EOF in the middle of a message', async () => {
    const run = await runCase(async (ctx) => {
      const [first, second] = messagesOf(ctx, FULL, 6).map((m) => frame(m));
      await ctx.write(Buffer.concat([first!, second!.subarray(0, second!.length >> 1)]));
      ctx.end();
    });
    expectFailure(run, 'truncated', /bytes of an unfinished one/);
  });

  it('EOF in the middle of a length prefix', async () => {
    const run = await runCase(async (ctx) => {
      await ctx.write(Buffer.concat([frame(messagesOf(ctx, FULL, 6)[0]!), Buffer.from([0x01])]));
      ctx.end();
    });
    expectFailure(run, 'truncated');
  });

  it('length prefix larger than the data, then close', async () => {
    const run = await runCase(async (ctx) => {
      const msg = ctx.response({ answers: FULL });
      await ctx.write(Buffer.concat([rdata.u16(msg.length + 100), msg]));
      ctx.end();
    });
    expectFailure(run, 'truncated');
  });
});

describe('transfer: limits and the network', () => {
  it('an endless stream of records stops at --max-records', async () => {
    const maxRecords = 1000;
    const run = await runCase(
      async (ctx) => {
        await ctx.send(ctx.response({ answers: [SOA] }));
        for (let i = 0; !ctx.closed; i++) {
          const batch: Buffer[] = [];
          for (let j = 0; j < 50; j++) batch.push(ctx.response({ answers: [rr(`r${i * 50 + j}.example.`, 'A', rdata.a('192.0.2.1'))] }));
          await ctx.send(...batch);
        }
      },
      // A small memory budget, so the sort spills to disk and must clean up.
      { limits: { maxRecords, memoryBudget: 2000 } },
    );
    expectFailure(run, 'limit', /records/);
    // One record per message: the client stopped at the first record over the limit.
    expect(run.api.outcome.messages).toBe(maxRecords + 1);
    expect(run.cli.report.messages).toBe(maxRecords + 1);
  });

  it('an endless stream of bytes stops at --max-bytes', async () => {
    const maxBytes = 200_000;
    // One TXT record of 200 strings of 250 octets: about 50 KB per message.
    const big = rr('big.example.', 'TXT', rdata.txt(...Array.from({ length: 200 }, (_, i) => String(i % 10).repeat(250))));
    const run = await runCase(
      async (ctx) => {
        await ctx.send(ctx.response({ answers: [SOA] }));
        while (!ctx.closed) await ctx.send(ctx.response({ answers: [big] }));
      },
      { limits: { maxBytes } },
    );
    expectFailure(run, 'limit', /bytes/);
    for (const outcome of [run.api.outcome, run.cli.report]) {
      expect(outcome.bytes).toBeGreaterThan(maxBytes);
      expect(outcome.bytes).toBeLessThanOrEqual(maxBytes + READ_CHUNK);
    }
  });

  it('a server that never answers: idle timeout', async () => {
    const run = await runCase(neverAnswer, { limits: QUICK });
    expectFailure(run, 'timeout', /no data for 0.5 s/);
  });

  it('a server that answers part of the zone, then goes silent: idle timeout', async () => {
    const run = await runCase((ctx) => ctx.send(...messagesOf(ctx, ZONE, 3)), { limits: QUICK });
    expectFailure(run, 'timeout', /no data/);
  });

  it('one byte every 200 ms: stopped by the total deadline, not the idle timeout', async () => {
    const run = await runCase(
      async (ctx) => {
        await ctx.drip(Buffer.concat(messagesOf(ctx, FULL, 1).map((m) => frame(m))), 200);
      },
      { limits: { idle: 1, deadline: 2 } },
    );
    expectFailure(run, 'timeout', /deadline/);
    expect(run.api.outcome.bytes).toBeGreaterThan(0);
  });

  it('connection reset in the middle of the transfer', async () => {
    const run = await runCase(async (ctx) => {
      await ctx.send(...messagesOf(ctx, ZONE, 3));
      await ctx.sleep(50);
      ctx.reset();
    });
    expectFailure(run, 'reset');
    expect(run.api.outcome.messages).toBe(4);
  });

  it('connection reset before any response', async () => {
    expectFailure(await runCase((ctx) => ctx.reset()), 'reset');
  });

  it('a local error while reading (the sort cannot spill: its folder is missing) rejects the promise and closes the connection', async () => {
    const many = Array.from({ length: 200 }, (_, i) => rr(`h${i}.example.`, 'A', rdata.a('192.0.2.1')));
    const server = await BadServer.start(serve([SOA, ...BODY, ...many, SOA], 50));
    try {
      const missing = path.join(os.tmpdir(), `zonelog-missing-${process.pid}-${Date.now()}`, 'deeper');
      const result = transfer({
        zone: name('example.'),
        server: { host: '127.0.0.1', port: server.port },
        memoryBudget: 1000,
        tmpDir: missing,
        limits: { idleTimeoutMs: 2000 },
      });
      await expect(result).rejects.toMatchObject({ code: 'ENOENT' });
      expect(await server.allClosed()).toBe(true);
      expect(server.connections).toHaveLength(1);
      expect(server.connections[0]!.clientClosed).toBe(true);
      expect(server.errors).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('nothing listening: connection refused', async () => {
    const port = await deadPort();
    const run: CaseRun = {
      address: `127.0.0.1:${port}`,
      limits: QUICK,
      ...(await runApi(port, 'example.', QUICK)),
      cli: await runCli(port, 'example.', QUICK),
      allClosed: true,
    };
    expectFailure(run, 'connection-refused');
    expect(run.api.outcome).toMatchObject({ messages: 0, bytes: 0 });
  });
});
