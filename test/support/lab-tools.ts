/**
 * Helpers for the lab tests: the command-line DNS tools (dig, kdig,
 * ldns-read-zone), a small DNS query client, and canonical text of records.
 *
 * Tools run asynchronously (execFile), never with the *Sync variants: the lab
 * server answers from the test's own event loop.
 */
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { ldnsText } from './ldns.js';
import { findExecutable } from './servers.js';
import dnsPacket from 'dns-packet';
import { describe, it } from 'vitest';
import { CanonicalZone } from '../../src/zone/canonical.js';
import { MessageFramer, frame } from '../../src/dns/framing.js';
import type { WireRecord } from '../../src/dns/message.js';
import { TYPE } from '../../src/dns/types.js';

export type Tool = 'dig' | 'kdig' | 'ldns-read-zone';

const TOOL_PACKAGE: Readonly<Record<Tool, string>> = {
  dig: 'bind9-dnsutils',
  kdig: 'knot-dnsutils',
  'ldns-read-zone': 'ldnsutils',
};

const findTool = findExecutable;

/** A reason the tools cannot run, naming the Debian packages, or undefined when all are there. */
function missingTools(tools: readonly Tool[]): string | undefined {
  const missing = tools.filter((t) => !findTool(t));
  if (missing.length === 0) return undefined;
  return missing.map((t) => `${t} not found: install the Debian package ${TOOL_PACKAGE[t]}`).join('; ');
}

/**
 * `describe` for a block that needs command-line tools: skipped (the title says
 * which package to install) when one is missing, unless ZONELOG_REQUIRE_SERVERS=1,
 * which turns the skip into a failing test.
 */
export function describeWithTools(tools: readonly Tool[], title: string, fn: () => void): void {
  const reason = missingTools(tools);
  if (!reason) describe(title, fn);
  else if (process.env.ZONELOG_REQUIRE_SERVERS === '1') {
    describe(title, () => {
      it(`needs ${tools.join(', ')}`, () => {
        throw new Error(`${reason} (ZONELOG_REQUIRE_SERVERS=1, so this is a failure, not a skip)`);
      });
    });
  } else describe.skip(`${title} [skipped: ${reason}]`, fn);
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command; never throws for a non-zero exit. */
function run(cmd: string, args: readonly string[], timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024, encoding: 'latin1' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** `dig` against a lab address: `@ADDR -p PORT` and the given arguments. */
export function dig(address: string, port: number, ...args: string[]): Promise<RunResult> {
  return run('dig', [`@${address}`, '-p', String(port), ...args]);
}

export function kdig(address: string, port: number, ...args: string[]): Promise<RunResult> {
  return run('kdig', [`@${address}`, '-p', String(port), ...args]);
}

/** A zone text passed through `ldns-read-zone -z` (sorted, canonical), for comparing two texts through ldns. */
export const ldnsCanonical = (text: string): Promise<string> => ldnsText(text);

/** zonelog's canonical text (docs/architecture.md §5) of records, the SOA first. */
export function canonicalText(zone: Buffer, records: Iterable<WireRecord>): string {
  const cz = new CanonicalZone(zone, { dnssec: true });
  let first = true;
  for (const r of records) {
    if (first) {
      if (r.type !== TYPE.SOA) throw new Error('records must begin with the SOA');
      cz.setSoa(r);
      first = false;
    } else cz.add(r);
  }
  let out = '';
  for (const c of cz.chunks()) out += c;
  cz.dispose();
  return out;
}

export type Response = dnsPacket.Packet & { rcode?: string; flag_aa?: boolean; flag_tc?: boolean };

export interface QueryOptions {
  tcp?: boolean;
  id?: number;
  timeoutMs?: number;
  /** Raw query bytes instead of a built one. */
  raw?: Buffer;
}

function buildQuery(name: string, type: string, id: number): Buffer {
  return dnsPacket.encode({ type: 'query', id, flags: 0, questions: [{ name, type: type as dnsPacket.RecordType, class: 'IN' }] });
}

/** One query over UDP or TCP; the response decoded by dns-packet (for inspecting sections in tests). */
export async function query(address: string, port: number, name: string, type: string, opts: QueryOptions = {}): Promise<{ raw: Buffer; packet: Response }> {
  const id = opts.id ?? 4242;
  const q = opts.raw ?? buildQuery(name, type, id);
  const raw = opts.tcp ? await tcpExchange(address, port, [q], opts.timeoutMs).then((r) => r[0]!) : await udpExchange(address, port, q, opts.timeoutMs);
  return { raw, packet: dnsPacket.decode(raw) as Response };
}

export function udpExchange(address: string, port: number, q: Buffer, timeoutMs = 3000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(net.isIPv6(address) ? 'udp6' : 'udp4');
    const timer = setTimeout(() => {
      sock.close();
      reject(new Error('UDP query timed out'));
    }, timeoutMs);
    sock.once('message', (msg) => {
      clearTimeout(timer);
      sock.close();
      resolve(msg);
    });
    sock.send(q, port, address);
  });
}

/** Sends several queries on one TCP connection and reads as many responses. */
export function tcpExchange(address: string, port: number, queries: Buffer[], timeoutMs = 3000): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const framer = new MessageFramer();
    const sock = net.connect({ host: address, port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`TCP exchange timed out after ${out.length} responses`));
    }, timeoutMs);
    sock.on('connect', () => sock.write(Buffer.concat(queries.map(frame))));
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on('data', (c: Buffer) => {
      framer.push(c);
      for (let m = framer.next(); m; m = framer.next()) out.push(m);
      if (out.length >= queries.length) {
        clearTimeout(timer);
        sock.destroy();
        resolve(out);
      }
    });
  });
}

export { buildQuery };
