/**
 * The server harness itself: BIND, Knot and NSD each load the fixture zone
 * and a real root zone, hand them out by AXFR (checked with `dig +tcp AXFR`),
 * deny the zone that is not allowed, and stop without leaving a process.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import dnsPacket from 'dns-packet';
import { afterAll, expect, it } from 'vitest';
import { prepareRootZone } from './corpus.js';
import { DENIED_TRANSFER_RCODE, describeEachServer, findExecutable, processGroupAlive, startServer, stopAllServers, type RunningServer } from './servers.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const ALLTYPES = path.join(FIXTURES, 'alltypes.zone');
const DENIED = path.join(FIXTURES, 'denied.zone');

/** alltypes.zone holds 89 records, two of them exact duplicates of others. */
const ALLTYPES_UNIQUE_RECORDS = 87;

function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { maxBuffer: 256 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** The records of `dig +tcp AXFR`, one presentation line each, in the order received
 * (+nosplit: ldns-read-zone wants an IPSECKEY key as one token). */
async function digAxfr(srv: RunningServer, zone: string): Promise<string[]> {
  const out = await run('dig', ['+tcp', '+nosplit', '+time=5', '+tries=1', '-p', String(srv.port), `@${srv.address}`, zone, 'AXFR']);
  if (/Transfer failed|communications error|connection refused/i.test(out)) {
    throw new Error(`AXFR of ${zone} failed:\n${out}`);
  }
  return out.split('\n').filter((line) => line !== '' && !line.startsWith(';'));
}

/** The rcode of the first answer to an AXFR query over TCP. */
function axfrRcode(srv: RunningServer, zone: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const id = 0x5a5a;
    const query = dnsPacket.encode({ type: 'query', id, questions: [{ type: 'AXFR', class: 'IN', name: zone }] });
    const socket = net.connect({ host: srv.address, port: srv.port });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to AXFR ${zone}`));
    }, 5_000);
    socket.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(query.length);
      socket.write(Buffer.concat([len, query]));
    });
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        clearTimeout(timer);
        socket.destroy();
        // dns-packet decodes `rcode` but its type definitions leave it out.
        const msg = dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))) as dnsPacket.DecodedPacket & {
          rcode: string;
        };
        if (msg.id !== id) reject(new Error(`answer with ID ${msg.id}, expected ${id}`));
        else resolve(msg.rcode);
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/**
 * The set of records in master-file `text`, as ldns-read-zone prints them,
 * lowercased (servers differ in the letter case they keep, see servers.ts).
 */
async function recordSet(text: string): Promise<Set<string>> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zonelog-ldns-'));
  try {
    const file = path.join(tmp, 'zone');
    fs.writeFileSync(file, text);
    const out = await run('ldns-read-zone', [file]);
    return new Set(
      out
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith(';'))
        .map((line) =>
          line
            .replace(/\s*;.*$/, '')
            .trimEnd()
            .toLowerCase(),
        ),
    );
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const haveLdns = findExecutable('ldns-read-zone') !== undefined;

afterAll(() => stopAllServers());

function expectSameRecords(got: Set<string>, want: Set<string>): void {
  const missing = [...want].filter((r) => !got.has(r));
  const extra = [...got].filter((r) => !want.has(r));
  expect({ missing, extra }).toEqual({ missing: [], extra: [] });
}

async function expectStoppedCleanly(srv: RunningServer): Promise<void> {
  await srv.stop();
  expect(processGroupAlive(srv.pid)).toBe(false);
  expect(fs.existsSync(srv.dir)).toBe(false);
  expect(srv.logs()).not.toBe('');
}

describeEachServer('loopback server', (kind) => {
  it('transfers alltypes.test, denies denied.test, stops cleanly', async () => {
    const srv = await startServer(kind, {
      zones: [
        { name: 'alltypes.test', file: ALLTYPES, allowTransfer: true },
        { name: 'denied.test', file: DENIED, allowTransfer: false },
      ],
    });
    try {
      expect(srv.port).toBeGreaterThan(1023);
      const records = await digAxfr(srv, 'alltypes.test');
      // SOA first and last, and the unique records of the file in between.
      expect(records[0]).toMatch(/^alltypes\.test\.\s+3600\s+IN\s+SOA\s/i);
      expect(records[records.length - 1]).toBe(records[0]);
      expect(records.length).toBe(ALLTYPES_UNIQUE_RECORDS + 1);
      if (haveLdns) {
        const got = await recordSet(records.slice(0, -1).join('\n') + '\n');
        expectSameRecords(got, await recordSet(fs.readFileSync(ALLTYPES, 'utf8')));
      }
      expect(await axfrRcode(srv, 'denied.test')).toBe(DENIED_TRANSFER_RCODE[kind]);
      expect(await axfrRcode(srv, 'not-served.test')).toBe('NOTAUTH');
    } finally {
      await expectStoppedCleanly(srv);
    }
  });

  it('transfers the 2018 root zone', async () => {
    const file = await prepareRootZone();
    const text = fs.readFileSync(file, 'utf8');
    const lines = text.split('\n').filter((line) => line !== '');
    const srv = await startServer(kind, { zones: [{ name: '.', file, allowTransfer: true }] });
    try {
      const records = await digAxfr(srv, '.');
      expect(records[0]).toMatch(/^\.\s+86400\s+IN\s+SOA\s/);
      expect(records[records.length - 1]).toBe(records[0]);
      expect(records.length).toBe(lines.length + 1);
      if (haveLdns) {
        const got = await recordSet(records.slice(0, -1).join('\n') + '\n');
        expectSameRecords(got, await recordSet(text));
      }
    } finally {
      await expectStoppedCleanly(srv);
    }
  });
});
