/**
 * Real authoritative DNS servers (BIND 9 `named`, Knot `knotd`, NSD `nsd`) on
 * loopback, for tests that need a real AXFR peer.
 *
 * Every server gets its own temporary directory (config, zone copies, state,
 * logs), runs in the foreground as a child process in its own process group
 * under the current user (root in CI: no privilege drop is configured), and
 * listens on one unprivileged port, TCP and UDP, on one loopback address.
 * Nothing touches the network beyond that: no NOTIFY, no recursion or root
 * priming, no DNSSEC validation or signing, no control socket outside the
 * temporary directory, no keys read from /etc.
 *
 * Observed on this machine (BIND 9.18, Knot 3.2, NSD 4.6), see docs/architecture.md §11:
 * - a zone with allowTransfer=false: BIND and NSD answer REFUSED, Knot NOTAUTH;
 *   a zone the server does not serve: NOTAUTH from all three.
 * - BIND only listens on addresses configured on an interface (127.0.0.1 and
 *   ::1 are; other 127.x.y.z need `ip addr add ADDR/32 dev lo`). Knot and NSD
 *   bind any 127.x.y.z.
 * - Letter case in what AXFR sends differs: BIND keeps the case of the zone
 *   file everywhere; Knot lowercases owners and the names inside the RFC 4034
 *   §6.2 types (RRSIG signer included) but keeps NSEC next names, SVCB/HTTPS
 *   targets and IPSECKEY gateways; NSD lowercases owners and every name in
 *   RDATA (SVCB targets and IPSECKEY gateways too) except NSEC next names and
 *   RRSIG signer names.
 * - Knot serves an RRSIG with its original-TTL field as the TTL.
 *
 * Usage from a test file:
 *
 *   describeServer('knot', 'AXFR from Knot', () => {
 *     let srv: RunningServer;
 *     beforeAll(async () => { srv = await startServer('knot', { zones: [...] }); });
 *     afterAll(() => srv?.stop()); // stopAllServers() also runs after every file
 *     it(...);
 *   });
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import { copyFile, link, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, it } from 'vitest';

export type ServerKind = 'bind' | 'knot' | 'nsd';

export const SERVER_KINDS: readonly ServerKind[] = ['bind', 'knot', 'nsd'];

/** The rcode each server answers to an AXFR of a zone it serves but does not allow to transfer. */
export const DENIED_TRANSFER_RCODE: Readonly<Record<ServerKind, 'REFUSED' | 'NOTAUTH'>> = {
  bind: 'REFUSED',
  knot: 'NOTAUTH',
  nsd: 'REFUSED',
};

interface ZoneSpec {
  /** Zone name, with or without the trailing dot; '.' for the root. */
  name: string;
  /** Path of the master file; it is linked or copied, never modified (no server here writes its zone files). */
  file: string;
  /** false: the server serves the zone but must deny AXFR of it. */
  allowTransfer: boolean;
}

export interface StartOptions {
  zones: ZoneSpec[];
  /** Loopback address to listen on (default 127.0.0.1; '::1' works too). */
  address?: string;
  /** Port for TCP and UDP (default: a free one, picked by pickFreePort). */
  port?: number;
  /** How long to wait until every zone answers SOA over TCP (default 60 s). */
  startTimeoutMs?: number;
  /** Threads that answer queries (default 1): BIND's -n, Knot's UDP and TCP workers each, NSD's server-count. */
  workers?: number;
}

export interface RunningServer {
  kind: ServerKind;
  address: string;
  port: number;
  /** Process id of the server's main process, also its process-group id. */
  pid: number;
  /** The server's private temporary directory (removed by stop()). */
  dir: string;
  /** SIGTERM, then SIGKILL after a grace period; waits for the whole process group; removes dir. Idempotent. */
  stop(): Promise<void>;
  /** Everything the server logged so far (kept after stop()). */
  logs(): string;
}

type Availability = { ok: true } | { ok: false; reason: string };

const BINARY: Record<ServerKind, string> = { bind: 'named', knot: 'knotd', nsd: 'nsd' };
const PACKAGE: Record<ServerKind, string> = { bind: 'bind9', knot: 'knot', nsd: 'nsd' };

const GRACE_MS = 5_000;
const POLL_MS = 100;
const MAX_LOG_CHARS = 1_000_000;

// ---------------------------------------------------------------------------
// Availability

/** Absolute path of an executable found on PATH or in the sbin directories, or undefined. */
export function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'].filter((d) => d !== '');
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Whether `kind` can be started here: its binary, and `dig` (used to wait for readiness). */
function serverAvailable(kind: ServerKind): Availability {
  if (!findExecutable(BINARY[kind])) {
    return { ok: false, reason: `${BINARY[kind]} not found: install the Debian package ${PACKAGE[kind]}` };
  }
  if (!findExecutable('dig')) {
    return { ok: false, reason: 'dig not found: install the Debian package bind9-dnsutils' };
  }
  return { ok: true };
}

/** True when missing servers must fail the tests instead of skipping them (CI). */
function requireServers(): boolean {
  return process.env.ZONELOG_REQUIRE_SERVERS === '1';
}

/**
 * `describe` for a block that needs `kind`. When the server is missing the
 * block is skipped, its title naming the package to install; with
 * ZONELOG_REQUIRE_SERVERS=1 it instead holds one failing test saying so.
 */
export function describeServer(kind: ServerKind, title: string, fn: () => void): void {
  const avail = serverAvailable(kind);
  if (avail.ok) {
    describe(title, fn);
  } else if (requireServers()) {
    describe(title, () => {
      it(`needs ${BINARY[kind]}`, () => {
        throw new Error(`${avail.reason} (ZONELOG_REQUIRE_SERVERS=1, so this is a failure, not a skip)`);
      });
    });
  } else {
    describe.skip(`${title} [skipped: ${avail.reason}]`, fn);
  }
}

/** describeServer for each of bind, knot and nsd; fn receives the kind. */
export function describeEachServer(title: string, fn: (kind: ServerKind) => void): void {
  for (const kind of SERVER_KINDS) describeServer(kind, `${title} (${kind})`, () => fn(kind));
}

// ---------------------------------------------------------------------------
// Ports

function isIPv6(address: string): boolean {
  return net.isIPv6(address);
}

/**
 * A port that is free for both TCP and UDP on `address`: binds a TCP server to
 * port 0, then a UDP socket to the port it got, and closes both.
 */
export async function pickFreePort(address = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const tcp = net.createServer();
    const port = await new Promise<number>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen({ host: address, port: 0, exclusive: true }, () => {
        resolve((tcp.address() as net.AddressInfo).port);
      });
    });
    const udp = dgram.createSocket(isIPv6(address) ? 'udp6' : 'udp4');
    const udpOk = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind({ address, port, exclusive: true }, () => resolve(true));
    });
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
    await new Promise<void>((resolve) => {
      try {
        udp.close(() => resolve());
      } catch {
        resolve(); // never bound
      }
    });
    if (udpOk) return port;
  }
  throw new Error(`no port free for both TCP and UDP on ${address}`);
}

// ---------------------------------------------------------------------------
// Process bookkeeping

const running = new Set<RunningServer>();

// Process groups of servers not yet stopped, shared by every copy of this
// module in the process (vitest re-evaluates modules per test file), with one
// 'exit' handler for all of them.
const GROUPS_KEY = Symbol.for('zonelog.test.servers.groups');
const globals = globalThis as typeof globalThis & { [GROUPS_KEY]?: Set<number> };
const groups: Set<number> = globals[GROUPS_KEY] ?? new Set<number>();
if (!globals[GROUPS_KEY]) {
  globals[GROUPS_KEY] = groups;
  process.once('exit', () => {
    for (const pid of groups) signalGroup(pid, 'SIGKILL');
  });
}

// Every test file that imports this module stops its servers when it ends,
// even if it forgets to. (Vitest ends its workers with SIGTERM, which skips
// 'exit' handlers, so this hook is what counts; the 'exit' handler is for
// other ways of dying.) Outside a vitest test file (a script, globalSetup)
// there is no suite to hook into, and the module still works.
try {
  afterAll(() => stopAllServers());
} catch {
  // not collected by vitest
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** True while any process of the process group `pid` exists. */
export function processGroupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Stops every server started by this process that is still running. */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop()));
}

// ---------------------------------------------------------------------------
// Configuration

interface ZoneInDir {
  name: string; // without trailing dot, '.' for the root
  file: string; // absolute path of the copy
  allowTransfer: boolean;
}

function zoneName(name: string): string {
  if (name === '.' || name === '') return '.';
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

function bindConfig(dir: string, address: string, port: number, zones: ZoneInDir[]): string {
  const v6 = isIPv6(address);
  const q = (s: string) => JSON.stringify(s);
  return [
    'options {',
    `  directory ${q(dir)};`,
    `  pid-file ${q(path.join(dir, 'named.pid'))};`,
    `  lock-file ${q(path.join(dir, 'named.lock'))};`,
    `  session-keyfile ${q(path.join(dir, 'session.key'))};`,
    `  managed-keys-directory ${q(dir)};`,
    `  bindkeys-file ${q(path.join(dir, 'bind.keys'))};`,
    `  dump-file ${q(path.join(dir, 'named_dump.db'))};`,
    `  statistics-file ${q(path.join(dir, 'named.stats'))};`,
    `  memstatistics-file ${q(path.join(dir, 'named.memstats'))};`,
    '  geoip-directory none;',
    v6 ? '  listen-on { none; };' : `  listen-on port ${port} { ${address}; };`,
    v6 ? `  listen-on-v6 port ${port} { ${address}; };` : '  listen-on-v6 { none; };',
    '  automatic-interface-scan no;',
    '  recursion no;',
    '  dnssec-validation no;',
    '  notify no;',
    '  empty-zones-enable no;',
    '  allow-transfer { none; };',
    '  check-names primary ignore;',
    '  check-names secondary ignore;',
    '  check-names response ignore;',
    '  check-integrity no;',
    '  check-sibling no;',
    '  check-mx ignore;',
    '  check-wildcard no;',
    '  check-dup-records ignore;',
    '  zone-statistics no;',
    '};',
    'controls { };', // no rndc channel, so no rndc key is read
    ...zones.map((z) =>
      [`zone ${q(z.name)} {`, '  type primary;', `  file ${q(z.file)};`, `  allow-transfer { ${z.allowTransfer ? 'any' : 'none'}; };`, '};'].join('\n'),
    ),
    '',
  ].join('\n');
}

function knotConfig(dir: string, address: string, port: number, zones: ZoneInDir[], workers: number): string {
  const q = (s: string) => JSON.stringify(s);
  return [
    'server:',
    `    rundir: ${q(dir)}`,
    `    listen: ${address}@${port}`,
    '    background-workers: 1',
    `    udp-workers: ${workers}`,
    `    tcp-workers: ${workers}`,
    // The default 500 ms to send one message would cut a slow reader off mid-transfer.
    '    tcp-io-timeout: 30000',
    '    tcp-idle-timeout: 60',
    'control:',
    `    listen: ${q(path.join(dir, 'knot.sock'))}`,
    'database:',
    `    storage: ${q(path.join(dir, 'db'))}`,
    'log:',
    '  - target: stderr',
    '    any: info',
    'acl:',
    '  - id: transfer_any',
    '    address: [0.0.0.0/0, ::/0]',
    '    action: transfer',
    'template:',
    '  - id: default',
    `    storage: ${q(path.join(dir, 'zones'))}`,
    '    zonefile-sync: -1', // never write the zone file back
    '    zonefile-load: whole',
    '    journal-content: none',
    '    semantic-checks: off',
    '    dnssec-signing: off',
    'zone:',
    ...zones.flatMap((z) => [`  - domain: ${q(z.name)}`, `    file: ${q(z.file)}`, ...(z.allowTransfer ? ['    acl: transfer_any'] : [])]),
    '',
  ].join('\n');
}

function nsdConfig(dir: string, address: string, port: number, zones: ZoneInDir[], workers: number): string {
  const q = (s: string) => JSON.stringify(s);
  return [
    'server:',
    `    ip-address: ${address}@${port}`,
    `    port: ${port}`,
    `    server-count: ${workers}`,
    '    username: ""', // no privilege drop
    '    chroot: ""',
    `    zonesdir: ${q(dir)}`,
    '    database: ""', // read zone files directly, no nsd.db
    `    zonelistfile: ${q(path.join(dir, 'zone.list'))}`,
    `    xfrdfile: ${q(path.join(dir, 'xfrd.state'))}`,
    `    xfrdir: ${q(dir)}`,
    `    pidfile: ${q(path.join(dir, 'nsd.pid'))}`,
    `    logfile: ${q(path.join(dir, 'nsd.log'))}`,
    '    zonefiles-check: no',
    '    zonefiles-write: 0',
    '    verbosity: 1',
    'remote-control:',
    '    control-enable: no',
    ...zones.flatMap((z) => [
      'zone:',
      `    name: ${q(z.name)}`,
      `    zonefile: ${q(z.file)}`,
      ...(z.allowTransfer ? ['    provide-xfr: 0.0.0.0/0 NOKEY', '    provide-xfr: ::0/0 NOKEY'] : []),
    ]),
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------
// Readiness

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 1 << 20 }, (err, stdout) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, stdout: String(stdout) });
    });
  });
}

/** One `dig +tcp … ZONE SOA`: true when the answer is an authoritative NOERROR with an answer. */
async function soaAnswers(address: string, port: number, zone: string): Promise<boolean> {
  const { code, stdout } = await run('dig', ['+tcp', '+time=1', '+tries=1', '+norec', '-p', String(port), `@${address}`, zone, 'SOA'], 5_000);
  return code === 0 && /status: NOERROR\b/.test(stdout) && /flags:[^;]*\baa\b/.test(stdout) && /ANSWER: [1-9]/.test(stdout);
}

/** How each server says its port is taken (BIND logs only that it could not listen). */
const ADDRESS_IN_USE = /address (already )?in use|unable to listen on any configured interfaces/i;

/** What each server logs when a zone file does not load (it keeps running without the zone). */
const ZONE_LOAD_FAILED: Record<ServerKind, RegExp> = {
  bind: /not loaded due to errors/,
  knot: /zone event 'load' failed|failed to load zone/,
  nsd: /read with \d+ errors/,
};

// ---------------------------------------------------------------------------
// Starting and stopping

/** A failed start; `log` holds the server's whole log, the message an abridged one. */
class StartError extends Error {
  constructor(
    message: string,
    readonly portInUse: boolean,
    readonly log: string,
  ) {
    super(message);
    this.name = 'StartError';
  }
}

/** The first and last lines of a long log (a zone with thousands of errors logs each one). */
function abridge(log: string, head = 40, tail = 60): string {
  const lines = log.trimEnd().split('\n');
  if (lines.length <= head + tail) return lines.join('\n');
  return [...lines.slice(0, head), `[… ${lines.length - head - tail} lines …]`, ...lines.slice(-tail)].join('\n');
}

/**
 * Starts `kind` serving `zones` and resolves once every zone answers SOA over
 * TCP. On failure the error message includes the server's log.
 */
export async function startServer(kind: ServerKind, options: StartOptions): Promise<RunningServer> {
  const avail = serverAvailable(kind);
  if (!avail.ok) throw new Error(avail.reason);
  const address = options.address ?? '127.0.0.1';
  if (!net.isIP(address)) throw new Error(`not an IP address: ${address}`);
  if (kind === 'bind' && !addressOnInterface(address)) {
    throw new Error(
      `named listens only on addresses configured on an interface, and ${address} is not: ` +
        `add it with "ip addr add ${address}/${isIPv6(address) ? 128 : 32} dev lo" or use 127.0.0.1`,
    );
  }
  if (options.zones.length === 0) throw new Error('startServer needs at least one zone');
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await pickFreePort(address));
    try {
      return await startOnce(kind, options, address, port);
    } catch (err) {
      // Someone took the picked port between picking and binding: pick again.
      if (err instanceof StartError && err.portInUse && options.port === undefined && attempt < 3) continue;
      throw err;
    }
  }
}

function addressOnInterface(address: string): boolean {
  return Object.values(os.networkInterfaces()).some((list) => (list ?? []).some((i) => i.address === address));
}

async function startOnce(kind: ServerKind, options: StartOptions, address: string, port: number): Promise<RunningServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `zonelog-${kind}-`));
  const zones: ZoneInDir[] = [];
  const workers = options.workers ?? 1;
  const conf = path.join(dir, `${kind}.conf`);
  let args: string[];
  try {
    await mkdir(path.join(dir, 'zones'));
    await mkdir(path.join(dir, 'db'));
    for (const [i, z] of options.zones.entries()) {
      const name = zoneName(z.name);
      const base = name === '.' ? 'root' : name.replace(/[^A-Za-z0-9.-]/g, '_');
      const file = path.join(dir, 'zones', `${i}-${base}.zone`);
      // A hard link costs nothing for a zone of millions of records; a copy where links cannot go.
      await link(z.file, file).catch(() => copyFile(z.file, file));
      zones.push({ name, file, allowTransfer: z.allowTransfer });
    }
    switch (kind) {
      case 'bind':
        await writeFile(conf, bindConfig(dir, address, port, zones));
        // -g: foreground, log to stderr; -n 1: one worker thread; no -u: no privilege drop.
        args = ['-g', '-n', String(workers), isIPv6(address) ? '-6' : '-4', '-c', conf];
        break;
      case 'knot':
        await writeFile(conf, knotConfig(dir, address, port, zones, workers));
        args = ['-c', conf]; // foreground by default; no `user:`, so no privilege drop
        break;
      case 'nsd':
        await writeFile(conf, nsdConfig(dir, address, port, zones, workers));
        args = ['-d', '-c', conf]; // -d: foreground
        break;
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }

  const output: string[] = [];
  let outputChars = 0;
  const capture = (text: string) => {
    output.push(text);
    outputChars += text.length;
    while (outputChars > MAX_LOG_CHARS && output.length > 1) outputChars -= output.shift()!.length;
  };
  const child: ChildProcess = spawn(findExecutable(BINARY[kind])!, args, {
    cwd: dir,
    detached: true, // own process group: stop() reaches NSD's forked children too
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.setEncoding('utf8').on('data', capture);
  child.stderr!.setEncoding('utf8').on('data', capture);

  let exitStatus: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitStatus = signal ? `killed by ${signal}` : `exit code ${code}`;
      resolve();
    });
    child.once('error', (err) => {
      exitStatus = `could not start: ${err.message}`;
      resolve();
    });
  });
  const pid = child.pid ?? -1;
  if (pid > 0) groups.add(pid);

  let savedLogs: string | undefined;
  const readLogs = (): string => {
    if (savedLogs !== undefined) return savedLogs;
    let text = output.join('');
    if (kind === 'nsd') {
      try {
        text += fs.readFileSync(path.join(dir, 'nsd.log'), 'utf8');
      } catch {
        // not written yet
      }
    }
    return text;
  };

  let stopping: Promise<void> | undefined;
  const server: RunningServer = {
    kind,
    address,
    port,
    pid,
    dir,
    logs: readLogs,
    stop() {
      stopping ??= (async () => {
        if (pid > 0) {
          if (exitStatus === undefined) {
            signalGroup(pid, 'SIGTERM');
            const graceful = await Promise.race([exited.then(() => true), sleep(GRACE_MS).then(() => false)]);
            if (!graceful) signalGroup(pid, 'SIGKILL');
            await exited;
          }
          // The main process is gone; give the rest of the group (NSD's children) the same treatment.
          const deadline = Date.now() + GRACE_MS;
          while (processGroupAlive(pid) && Date.now() < deadline) await sleep(50);
          if (processGroupAlive(pid)) {
            signalGroup(pid, 'SIGKILL');
            await sleep(200);
          }
          groups.delete(pid);
        }
        savedLogs = readLogs();
        running.delete(server);
        await rm(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
  running.add(server);

  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  const fail = async (why: string): Promise<never> => {
    const logs = readLogs();
    await server.stop();
    throw new StartError(
      `${kind} (${BINARY[kind]} ${args.join(' ')}) on ${address} port ${port}: ${why}\n` + `--- ${kind} log ---\n${abridge(logs)}`,
      ADDRESS_IN_USE.test(logs),
      logs,
    );
  };
  for (const z of zones) {
    for (;;) {
      if (exitStatus !== undefined) return fail(`exited before it was ready (${exitStatus})`);
      const logs = readLogs();
      if (ADDRESS_IN_USE.test(logs)) return fail('port already in use');
      if (ZONE_LOAD_FAILED[kind].test(logs)) return fail('a zone did not load');
      if (await soaAnswers(address, port, z.name)) break;
      if (Date.now() > deadline) {
        return fail(`zone ${z.name} did not answer SOA over TCP within ${timeoutMs / 1000} s`);
      }
      await sleep(POLL_MS);
    }
  }
  return server;
}
