/**
 * An authoritative DNS server for the lab (docs/architecture.md §10): many zones on many
 * loopback addresses at once, all on one port, over UDP and TCP.
 *
 * Queries are read with the strict decoder of src/dns/message.ts and answers built
 * with src/lab/encode.ts. Each (zone, address) has an AXFR behaviour that copies what
 * real servers do (allow, refuse, never answer, reset, …). A zone transfer is
 * encoded once per (zone content, packing) into framed messages and cached; each
 * transfer copies the cached bytes and writes its own message ID, so a transfer
 * of a million records costs little more than the copy.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { FLAG_AA, FLAG_QR, FLAG_RD, FLAG_TC, encodeMessage, recordLength, writeRecord } from './encode.js';
import { MessageFramer, frame } from '../dns/framing.js';
import { HEADER_LENGTH, decodeHeader, decodeMessage, type Question, type WireRecord } from '../dns/message.js';
import { lowerName, nameToText, textToName } from '../dns/name.js';
import { CLASS_IN, RCODE, TYPE } from '../dns/types.js';

/** What a server does with an AXFR query for one of its zones (docs/architecture.md §10). */
export type AxfrBehaviour =
  | 'allow'
  | 'refused'
  | 'notauth'
  | 'silent'
  | 'close'
  | 'reset'
  | 'older-serial'
  | 'different-content'
  | 'one-per-message'
  | 'one-message'
  | 'out-of-zone'
  | 'drip';

export const AXFR_BEHAVIOURS: readonly AxfrBehaviour[] = [
  'allow',
  'refused',
  'notauth',
  'silent',
  'close',
  'reset',
  'older-serial',
  'different-content',
  'one-per-message',
  'one-message',
  'out-of-zone',
  'drip',
];

/** The records of one version of a zone. */
export interface ZoneContent {
  /** Unique per distinct content: encoded transfers and query indexes are cached under it. */
  readonly key: string;
  /** The zone's name, wire form, lowercase. */
  readonly apex: Buffer;
  /** Every record of the zone, the SOA first (and only once). May be called many times. */
  records(): Iterable<WireRecord>;
  /** The number of records, when known (large zones answer apex queries without a full index). */
  readonly size?: number;
  /** The records owned by the apex, when cheaper than reading them all. */
  apexRecords?(): WireRecord[];
}

export interface ServedZone {
  content: ZoneContent;
  axfr: AxfrBehaviour;
}

export interface AddressConfig {
  /** An IPv4 address in 127.0.0.0/8, or ::1. */
  address: string;
  /** Nothing listens on TCP here: connections are refused. UDP is still answered. */
  tcpClosed?: boolean;
  zones: readonly ServedZone[];
  /** Every response (UDP, and TCP at each query) waits this many ms: the address's round trip. */
  latencyMs?: number;
}

export interface DripOptions {
  /** Milliseconds before each piece. */
  intervalMs: number;
  /** The transfer is sent in this many pieces (fewer only if it has fewer bytes). */
  steps: number;
}

export const DEFAULT_DRIP: DripOptions = { intervalMs: 250, steps: 80 };

/** Out-of-zone records injected by the `out-of-zone` behaviour. */
export const DEFAULT_OUT_OF_ZONE_RECORDS = 3;

export interface AuthServerOptions {
  /** The port on every address; 0 picks a free one (the same on all addresses). */
  port: number;
  drip?: Partial<DripOptions>;
  /** Records injected by `out-of-zone` (default 3). */
  outOfZoneRecords?: number;
  /** Size of the messages of a normal transfer (default 32 KiB; `one-message` uses 65535). */
  messageBytes?: number;
  /** An idle TCP connection is closed after this long (default 30 s), as real servers do. */
  tcpIdleMs?: number;
  /** Bytes of encoded transfers kept in memory (default 512 MiB). */
  cacheBytes?: number;
}

export interface ConnectionStats {
  /**
   * TCP connections in use now: a connection counts from its first query until the
   * client's FIN or the server's close. (Counting from the accept would race with the
   * FIN of the connection a polite client closed just before opening the next.)
   */
  current: number;
  /** The most TCP connections open at the same time. */
  peak: number;
  /** TCP connections accepted. */
  accepted: number;
  /** AXFR queries being answered now (from the query until the last byte is written, or the connection ends). */
  transfers: number;
  /** The most AXFR queries answered at the same time. */
  peakTransfers: number;
  /** Connections the server is answering on: from its first answer until the connection ends (not the ones it keeps silent on). */
  serving: number;
  /** The most such connections at the same time: what a polite client limits. */
  peakServing: number;
  udpQueries: number;
  tcpQueries: number;
}

const zeroStats = (): ConnectionStats => ({
  current: 0,
  peak: 0,
  accepted: 0,
  transfers: 0,
  peakTransfers: 0,
  serving: 0,
  peakServing: 0,
  udpQueries: 0,
  tcpQueries: 0,
});

type Packing = 'normal' | 'single' | 'max';

const MAX_MESSAGE = 65535;
const UDP_LIMIT = 512;
const CHUNK_CAPACITY = 128 * 1024;
const BIG_ZONE = 50_000;
const RESET_PART_BYTES = 16 * 1024;
const RESET_DELAY_MS = 50;
const PRODUCE_SLICE_MS = 5;

/** A cached transfer: framed messages in chunks, with the offsets of their IDs. */
class EncodedStream {
  readonly chunks: Buffer[] = [];
  readonly ids: Uint32Array[] = [];
  bytes = 0;
  messages = 0;
  done = false;
  failed: Error | undefined;
  private waiters: (() => void)[] = [];

  push(chunk: Buffer, ids: Uint32Array): void {
    this.chunks.push(chunk);
    this.ids.push(ids);
    this.bytes += chunk.length;
    this.messages += ids.length;
    this.wake();
  }

  end(error?: Error): void {
    this.done = true;
    this.failed = error;
    this.wake();
  }

  waitMore(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

/** Packs records into framed AXFR messages (RFC 5936 §2.2), without compression. */
class Packer {
  private readonly msg = Buffer.allocUnsafe(2 + MAX_MESSAGE);
  private len = 0;
  private count = 0;
  private qd = 0;
  private chunk = Buffer.allocUnsafe(CHUNK_CAPACITY);
  private chunkLen = 0;
  private chunkIds: number[] = [];

  constructor(
    private readonly maxMessage: number,
    private readonly single: boolean,
    question: Buffer,
    private readonly out: EncodedStream,
  ) {
    this.start(question);
  }

  private start(question?: Buffer): void {
    this.len = HEADER_LENGTH;
    this.count = 0;
    this.qd = 0;
    if (question) {
      question.copy(this.msg, 2 + this.len);
      this.len += question.length;
      this.qd = 1;
    }
  }

  add(rec: WireRecord): void {
    const size = recordLength(rec);
    if (this.count > 0 && (this.single || this.len + size > this.maxMessage)) this.flush();
    if (this.len + size > MAX_MESSAGE) throw new RangeError(`record of ${size} bytes does not fit a message`);
    writeRecord(rec, this.msg, 2 + this.len);
    this.len += size;
    this.count++;
  }

  private flush(): void {
    const m = this.msg;
    m.writeUInt16BE(this.len, 0);
    m.writeUInt16BE(0, 2);
    m.writeUInt16BE(FLAG_QR | FLAG_AA, 4);
    m.writeUInt16BE(this.qd, 6);
    m.writeUInt16BE(this.count, 8);
    m.writeUInt32BE(0, 10);
    const total = 2 + this.len;
    if (this.chunkLen + total > this.chunk.length) this.emit();
    m.copy(this.chunk, this.chunkLen, 0, total);
    this.chunkIds.push(this.chunkLen + 2);
    this.chunkLen += total;
    this.start();
  }

  private emit(): void {
    if (this.chunkLen === 0) return;
    this.out.push(Buffer.from(this.chunk.subarray(0, this.chunkLen)), Uint32Array.from(this.chunkIds));
    this.chunkLen = 0;
    this.chunkIds = [];
  }

  finish(): void {
    if (this.count > 0) this.flush();
    this.emit();
  }
}

/** A copy of a cached chunk with every message's ID set to `id`. */
function patched(chunk: Buffer, ids: Uint32Array, id: number): Buffer {
  const out = Buffer.allocUnsafe(chunk.length);
  chunk.copy(out);
  const hi = id >> 8;
  const lo = id & 0xff;
  for (let i = 0; i < ids.length; i++) {
    const at = ids[i]!;
    out[at] = hi;
    out[at + 1] = lo;
  }
  return out;
}

const nameKey = (name: Buffer): string => name.toString('latin1');

/** The records of a zone by owner, for answering queries. */
class ZoneIndex {
  readonly soa: WireRecord;
  private readonly owners = new Map<string, WireRecord[]>();
  /** Owners and every name between them and the apex (empty non-terminals exist, RFC 8020). */
  private readonly names = new Set<string>();
  readonly records: number;

  constructor(
    readonly apex: Buffer,
    records: Iterable<WireRecord>,
  ) {
    let soa: WireRecord | undefined;
    let n = 0;
    const apexLen = apex.length;
    for (const rec of records) {
      n++;
      const owner = lowerName(rec.owner);
      const key = nameKey(owner);
      let list = this.owners.get(key);
      if (!list) {
        list = [];
        this.owners.set(key, list);
        // Add the owner and its ancestors down to the apex, stopping at one already known.
        let p = 0;
        while (owner.length - p >= apexLen) {
          const k = p === 0 ? key : nameKey(owner.subarray(p));
          if (this.names.has(k)) break;
          this.names.add(k);
          if (owner[p] === 0) break;
          p += 1 + owner[p]!;
        }
      }
      list.push(rec);
      if (rec.type === TYPE.SOA && owner.length === apexLen && soa === undefined) soa = rec;
    }
    if (!soa) throw new Error(`zone ${nameToText(apex)} has no SOA`);
    this.soa = soa;
    this.records = n;
  }

  get(key: string): WireRecord[] | undefined {
    return this.owners.get(key);
  }

  exists(key: string): boolean {
    return this.names.has(key);
  }
}

interface Answer {
  rcode: number;
  aa: boolean;
  answers: WireRecord[];
  authority: WireRecord[];
  additional: WireRecord[];
}

class AddressState {
  zones = new Map<string, ServedZone>();
  tcpClosed = false;
  latencyMs = 0;
  tcp: net.Server | undefined;
  udp: dgram.Socket | undefined;
  readonly connections = new Set<Connection>();
  readonly stats: ConnectionStats = zeroStats();

  constructor(readonly address: string) {}

  get family(): 4 | 6 {
    return net.isIPv6(this.address) ? 6 : 4;
  }
}

class Connection {
  readonly framer = new MessageFramer();
  chain: Promise<void> = Promise.resolve();
  busy = 0;
  silent = false;
  /** Counted in the address's `serving`. */
  serving = false;
  /** The client's FIN or the close was seen: no longer counted. */
  released = false;
  readonly abort = new AbortController();
  readonly closed: Promise<void>;
  /** The client's FIN, or the close. */
  readonly ended: Promise<void>;

  constructor(readonly socket: net.Socket) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    this.ended = Promise.race([this.closed, new Promise<void>((resolve) => socket.once('end', () => resolve()))]);
  }

  get gone(): boolean {
    return this.socket.destroyed || this.abort.signal.aborted;
  }

  /** Resolves when the socket can take more data, or is gone. */
  drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }
}

interface Query {
  id: number;
  rd: boolean;
  question: Question;
}

export class AuthServer {
  private readonly states = new Map<string, AddressState>();
  private readonly streams = new Map<string, EncodedStream>();
  private streamBytes = 0;
  private readonly indexes = new Map<string, ZoneIndex>();
  private readonly axfrCounts = new Map<string, number>();
  private boundPort: number;
  private stopped = false;
  private readonly drip: DripOptions;
  private readonly injectCount: number;
  private readonly messageBytes: number;
  private readonly tcpIdleMs: number;
  private readonly cacheBytes: number;

  constructor(options: AuthServerOptions) {
    this.boundPort = options.port;
    this.drip = { ...DEFAULT_DRIP, ...options.drip };
    this.injectCount = options.outOfZoneRecords ?? DEFAULT_OUT_OF_ZONE_RECORDS;
    this.messageBytes = Math.min(MAX_MESSAGE, options.messageBytes ?? 32 * 1024);
    this.tcpIdleMs = options.tcpIdleMs ?? 30_000;
    this.cacheBytes = options.cacheBytes ?? 512 * 1024 * 1024;
  }

  /** The port every address listens on (known after the first `configure`). */
  get port(): number {
    return this.boundPort;
  }

  get addresses(): string[] {
    return [...this.states.keys()];
  }

  /**
   * Serves exactly these addresses and zones: binds new addresses, closes the ones
   * no longer listed, and swaps the zones of the others. Transfers in progress
   * finish with the content they started with.
   */
  async configure(configs: readonly AddressConfig[]): Promise<void> {
    if (this.stopped) throw new Error('server stopped');
    const wanted = new Map(configs.map((c) => [c.address, c]));
    for (const [address, state] of this.states) {
      if (!wanted.has(address)) {
        await this.unbind(state);
        this.states.delete(address);
      }
    }
    const fresh: AddressState[] = [];
    for (const c of configs) {
      if (!isLoopback(c.address)) throw new Error(`the lab only binds loopback addresses, not ${c.address}`);
      let state = this.states.get(c.address);
      if (!state) {
        state = new AddressState(c.address);
        this.states.set(c.address, state);
        fresh.push(state);
      } else if (!!c.tcpClosed !== state.tcpClosed) {
        await this.unbind(state);
        fresh.push(state);
      }
      state.tcpClosed = !!c.tcpClosed;
      state.latencyMs = c.latencyMs ?? 0;
      const zones = new Map<string, ServedZone>();
      for (const z of c.zones) zones.set(nameKey(lowerName(z.content.apex)), z);
      state.zones = zones;
    }
    await this.bindAll(fresh);
  }

  /** TCP connection counts and queries at one address. */
  connections(address: string): ConnectionStats {
    const s = this.states.get(address)?.stats;
    return s ? { ...s } : zeroStats();
  }

  /** AXFR queries received (UDP and TCP) for a zone (`"example."`) at an address. */
  axfrQueries(zone: string, address: string): number {
    return this.axfrCounts.get(`${zone.toLowerCase()} ${address}`) ?? 0;
  }

  /** Every AXFR query count, keyed `"zone address"`. */
  allAxfrQueries(): Map<string, number> {
    return new Map(this.axfrCounts);
  }

  /** Sets peaks to the current counts and forgets query counts. */
  resetStats(): void {
    this.axfrCounts.clear();
    for (const s of this.states.values()) {
      s.stats.peak = s.stats.current;
      s.stats.peakTransfers = s.stats.transfers;
      s.stats.peakServing = s.stats.serving;
      s.stats.accepted = 0;
      s.stats.udpQueries = 0;
      s.stats.tcpQueries = 0;
    }
  }

  /** Closes every listener and connection; nothing is left waiting. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all([...this.states.values()].map((s) => this.unbind(s)));
    this.states.clear();
    this.streams.clear();
    this.indexes.clear();
  }

  // --- binding -------------------------------------------------------------

  private async bindAll(fresh: AddressState[]): Promise<void> {
    if (fresh.length === 0) return;
    if (this.boundPort === 0) {
      // Pick the port on one address, then use it everywhere; retry if it is taken elsewhere.
      for (let attempt = 0; ; attempt++) {
        const first = fresh.find((s) => !s.tcpClosed) ?? fresh[0]!;
        try {
          await this.bind(first, 0);
          this.boundPort = first.tcp ? (first.tcp.address() as net.AddressInfo).port : first.udp!.address().port;
          await Promise.all(fresh.filter((s) => s !== first).map((s) => this.bind(s, this.boundPort)));
          return;
        } catch (e) {
          await Promise.all(fresh.map((s) => this.unbind(s)));
          this.boundPort = 0;
          if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 8) throw e;
        }
      }
    }
    try {
      await Promise.all(fresh.map((s) => this.bind(s, this.boundPort)));
    } catch (e) {
      await Promise.all(fresh.map((s) => this.unbind(s)));
      throw e;
    }
  }

  private async bind(state: AddressState, port: number): Promise<void> {
    const host = state.address;
    if (!state.tcpClosed) {
      const server = net.createServer({ noDelay: true }, (socket) => {
        // A connection that raced with unbinding this listener is not served.
        if (state.tcp !== server) socket.destroy();
        else this.onConnection(state, socket);
      });
      state.tcp = server;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host, port, exclusive: true, backlog: 1024, ipv6Only: state.family === 6 }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      server.on('error', () => undefined);
      if (port === 0) port = (server.address() as net.AddressInfo).port;
    }
    const udp = dgram.createSocket({ type: state.family === 6 ? 'udp6' : 'udp4', ipv6Only: state.family === 6 });
    state.udp = udp;
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind({ address: host, port, exclusive: true }, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    udp.on('error', () => undefined);
    udp.on('message', (msg, rinfo) => this.onUdp(state, msg, rinfo));
  }

  private async unbind(state: AddressState): Promise<void> {
    const tcp = state.tcp;
    const udp = state.udp;
    state.tcp = undefined;
    state.udp = undefined;
    for (const c of state.connections) {
      c.abort.abort();
      c.socket.destroy();
    }
    const waits: Promise<void>[] = [];
    if (tcp?.listening) waits.push(new Promise((resolve) => tcp.close(() => resolve())));
    if (udp) {
      waits.push(
        new Promise((resolve) => {
          try {
            udp.close(() => resolve());
          } catch {
            resolve();
          }
        }),
      );
    }
    await Promise.all(waits);
  }

  // --- UDP -----------------------------------------------------------------

  private onUdp(state: AddressState, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.stopped) return;
    state.stats.udpQueries++;
    const out = this.respond(state, msg, false);
    if (out === undefined || out.kind !== 'message') return;
    let data = out.data;
    if (data.length > UDP_LIMIT) data = truncated(data);
    if (state.latencyMs > 0) setTimeout(() => state.udp?.send(data, rinfo.port, rinfo.address), state.latencyMs);
    else state.udp?.send(data, rinfo.port, rinfo.address);
  }

  // --- TCP -----------------------------------------------------------------

  private onConnection(state: AddressState, socket: net.Socket): void {
    if (this.stopped) {
      socket.destroy();
      return;
    }
    const conn = new Connection(socket);
    state.connections.add(conn);
    const st = state.stats;
    st.accepted++;
    socket.setNoDelay(true);
    socket.setTimeout(this.tcpIdleMs);
    socket.on('timeout', () => {
      if (conn.busy === 0 && !conn.silent) socket.destroy();
    });
    socket.on('error', () => undefined);
    // The client's FIN ends the connection for the counts at once: a polite client that
    // closes one connection and opens the next must not be seen holding both.
    let counted = false;
    let open = true;
    const use = () => {
      if (counted || !open) return;
      counted = true;
      st.current++;
      if (st.current > st.peak) st.peak = st.current;
    };
    const release = () => {
      if (!open) return;
      open = false;
      conn.released = true;
      if (counted) st.current--;
      if (conn.serving) {
        conn.serving = false;
        st.serving--;
      }
    };
    socket.once('end', release);
    socket.once('close', () => {
      release();
      conn.abort.abort();
      state.connections.delete(conn);
    });
    socket.on('data', (chunk: Buffer) => {
      if (conn.silent) return;
      conn.framer.push(chunk);
      if (conn.framer.pending > 2 + MAX_MESSAGE) {
        socket.destroy();
        return;
      }
      for (let m = conn.framer.next(); m !== undefined; m = conn.framer.next()) {
        const msg = m;
        use();
        conn.busy++;
        conn.chain = conn.chain
          .then(() => (conn.silent || conn.gone ? undefined : this.onTcpMessage(state, conn, msg)))
          .catch(() => {
            socket.destroy();
          })
          .finally(() => {
            conn.busy--;
          });
      }
    });
  }

  private async onTcpMessage(state: AddressState, conn: Connection, msg: Buffer): Promise<void> {
    state.stats.tcpQueries++;
    if (state.latencyMs > 0) {
      try {
        await sleep(state.latencyMs, undefined, { signal: conn.abort.signal });
      } catch {
        return;
      }
    }
    const out = this.respond(state, msg, true);
    if (out === undefined || conn.gone) return;
    // From the first byte of the answer until the connection ends, the server is serving it.
    if ((out.kind === 'message' || out.zone.axfr !== 'silent') && !conn.serving && !conn.released) {
      conn.serving = true;
      state.stats.serving++;
      if (state.stats.serving > state.stats.peakServing) state.stats.peakServing = state.stats.serving;
    }
    if (out.kind === 'message') {
      if (!conn.socket.write(frame(out.data))) await conn.drained();
      return;
    }
    const st = state.stats;
    st.transfers++;
    if (st.transfers > st.peakTransfers) st.peakTransfers = st.transfers;
    try {
      await this.axfr(conn, out.zone, out.query);
      // A silent server holds the transfer until the connection ends.
      if (conn.silent && !conn.gone) await conn.ended;
    } finally {
      st.transfers--;
    }
  }

  private async axfr(conn: Connection, zone: ServedZone, query: Query): Promise<void> {
    const socket = conn.socket;
    const b = zone.axfr;
    switch (b) {
      case 'refused':
      case 'notauth': {
        const rcode = b === 'refused' ? RCODE.REFUSED : RCODE.NOTAUTH;
        socket.write(frame(reply(query, { rcode, aa: false, answers: [], authority: [], additional: [] })));
        return;
      }
      case 'silent':
        conn.silent = true;
        return;
      case 'close':
        socket.destroy();
        return;
      default:
        break;
    }
    const packing: Packing = b === 'one-per-message' ? 'single' : b === 'one-message' ? 'max' : 'normal';
    const inject = b === 'out-of-zone' && zone.content.apex.length > 1;
    const stream = this.stream(zone.content, packing, inject);
    if (b === 'reset') return this.sendReset(conn, stream, query.id);
    if (b === 'drip') return this.sendDrip(conn, stream, query.id);
    for (let i = 0; ; i++) {
      while (i >= stream.chunks.length && !stream.done) {
        await Promise.race([stream.waitMore(), conn.closed]);
        if (conn.gone) return;
      }
      if (conn.gone) return;
      if (stream.failed) {
        socket.destroy();
        return;
      }
      if (i >= stream.chunks.length) return;
      if (!socket.write(patched(stream.chunks[i]!, stream.ids[i]!, query.id))) await conn.drained();
    }
  }

  /** The whole transfer as one buffer with this ID, once it is encoded; undefined if the connection went. */
  private async whole(conn: Connection, stream: EncodedStream, id: number): Promise<Buffer | undefined> {
    while (!stream.done) {
      await Promise.race([stream.waitMore(), conn.closed]);
      if (conn.gone) return undefined;
    }
    if (stream.failed) {
      conn.socket.destroy();
      return undefined;
    }
    return Buffer.concat(stream.chunks.map((c, i) => patched(c, stream.ids[i]!, id)));
  }

  /**
   * `reset`: part of the transfer (half, at most 16 KiB), then a TCP reset (RST).
   *
   * The client must have read that part before the RST reaches it: when data and
   * RST arrive in the same poll, libuv reports a partial read and then EOF, not
   * ECONNRESET, and the client would see a closed connection instead of a reset.
   * So the part fits the socket buffers (it is in the peer's receive queue once
   * written), the server waits RESET_DELAY_MS, and then lets one more poll phase of
   * the event loop pass (a client in this process reads then) before resetting.
   */
  private async sendReset(conn: Connection, stream: EncodedStream, id: number): Promise<void> {
    const all = await this.whole(conn, stream, id);
    if (!all) return;
    const part = all.subarray(0, Math.max(1, Math.min(RESET_PART_BYTES, Math.floor(all.length / 2))));
    await new Promise<void>((resolve) => conn.socket.write(part, () => resolve()));
    try {
      await sleep(RESET_DELAY_MS, undefined, { signal: conn.abort.signal });
      await yieldToLoop(undefined, { signal: conn.abort.signal });
    } catch {
      return;
    }
    if (!conn.gone) conn.socket.resetAndDestroy();
  }

  /** `drip`: the transfer in `steps` pieces, one every `intervalMs`. */
  private async sendDrip(conn: Connection, stream: EncodedStream, id: number): Promise<void> {
    const all = await this.whole(conn, stream, id);
    if (!all) return;
    const steps = Math.max(1, Math.min(this.drip.steps, all.length));
    let sent = 0;
    for (let k = 1; k <= steps; k++) {
      try {
        await sleep(this.drip.intervalMs, undefined, { signal: conn.abort.signal });
      } catch {
        return;
      }
      if (conn.gone) return;
      const end = Math.floor((all.length * k) / steps);
      if (!conn.socket.write(all.subarray(sent, end))) await conn.drained();
      sent = end;
    }
  }

  // --- encoded transfers -----------------------------------------------------

  private stream(content: ZoneContent, packing: Packing, inject: boolean): EncodedStream {
    const key = `${content.key}\u0000${packing}\u0000${inject ? 'ooz' : ''}`;
    const cached = this.streams.get(key);
    if (cached && !cached.failed) {
      // Most recently used last.
      this.streams.delete(key);
      this.streams.set(key, cached);
      return cached;
    }
    const s = new EncodedStream();
    this.streams.set(key, s);
    void this.produce(key, s, content, packing, inject);
    return s;
  }

  private async produce(key: string, s: EncodedStream, content: ZoneContent, packing: Packing, inject: boolean): Promise<void> {
    try {
      const max = packing === 'max' ? MAX_MESSAGE : this.messageBytes;
      const question = Buffer.alloc(content.apex.length + 4);
      content.apex.copy(question);
      question.writeUInt16BE(TYPE.AXFR, content.apex.length);
      question.writeUInt16BE(CLASS_IN, content.apex.length + 2);
      const packer = new Packer(max, packing === 'single', question, s);
      const injected = inject ? outOfZoneRecords(content.apex, this.injectCount) : [];
      let soa: WireRecord | undefined;
      let n = 0;
      let slice = performance.now();
      for (const rec of content.records()) {
        if (soa === undefined) {
          if (rec.type !== TYPE.SOA) throw new Error(`zone ${nameToText(content.apex)} does not begin with its SOA`);
          soa = rec;
          packer.add(rec);
          for (const r of injected.slice(0, -1)) packer.add(r);
          continue;
        }
        packer.add(rec);
        // Generating a big zone must not hold up the other connections: yield every few ms.
        if ((++n & 0xff) === 0 && performance.now() - slice > PRODUCE_SLICE_MS) {
          await yieldToLoop();
          if (this.stopped) throw new Error('server stopped');
          slice = performance.now();
        }
      }
      if (soa === undefined) throw new Error(`zone ${nameToText(content.apex)} is empty`);
      if (injected.length > 0) packer.add(injected[injected.length - 1]!);
      packer.add(soa);
      packer.finish();
      s.end();
      this.streamBytes += s.bytes;
      this.evict(key);
    } catch (e) {
      if (this.streams.get(key) === s) this.streams.delete(key);
      s.end(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private evict(keep: string): void {
    for (const [k, s] of this.streams) {
      if (this.streamBytes <= this.cacheBytes) return;
      if (k === keep || !s.done) continue;
      this.streams.delete(k);
      this.streamBytes -= s.bytes;
    }
  }

  private index(content: ZoneContent, apexOnly: boolean): ZoneIndex {
    const key = apexOnly ? `${content.key}\u0000apex` : content.key;
    let idx = this.indexes.get(key);
    if (idx) {
      this.indexes.delete(key);
      this.indexes.set(key, idx);
      return idx;
    }
    idx = new ZoneIndex(lowerName(content.apex), apexOnly ? content.apexRecords!() : content.records());
    this.indexes.set(key, idx);
    // Keep a few indexes; large ones count for more.
    let budget = 0;
    for (const i of this.indexes.values()) budget += 1 + Math.floor(i.records / 100_000);
    for (const k of this.indexes.keys()) {
      if (budget <= 64 || k === key) break;
      const old = this.indexes.get(k)!;
      budget -= 1 + Math.floor(old.records / 100_000);
      this.indexes.delete(k);
    }
    return idx;
  }

  // --- queries ---------------------------------------------------------------

  private respond(
    state: AddressState,
    msg: Buffer,
    tcp: boolean,
  ): { kind: 'message'; data: Buffer } | { kind: 'axfr'; zone: ServedZone; query: Query } | undefined {
    const header = decodeHeader(msg);
    if (!header || header.qr) return undefined;
    const decoded = decodeMessage(msg);
    const rd = header.rd;
    const error = (rcode: number, question?: Question) =>
      ({ kind: 'message', data: reply({ id: header.id, rd, question }, { rcode, aa: false, answers: [], authority: [], additional: [] }) }) as const;
    if (!decoded.ok) return error(RCODE.FORMERR);
    const { questions } = decoded.message;
    if (header.opcode !== 0) return error(RCODE.NOTIMP, questions.length === 1 ? questions[0] : undefined);
    if (questions.length !== 1) return error(RCODE.FORMERR);
    const q = questions[0]!;
    const query: Query = { id: header.id, rd, question: q };
    const qname = lowerName(q.name);

    if (q.type === TYPE.AXFR) {
      const zoneText = nameToText(qname);
      const k = `${zoneText} ${state.address}`;
      this.axfrCounts.set(k, (this.axfrCounts.get(k) ?? 0) + 1);
      // RFC 5936 §4.2: AXFR is a TCP matter.
      if (!tcp) return error(RCODE.FORMERR, q);
      const zone = q.class === CLASS_IN ? state.zones.get(nameKey(qname)) : undefined;
      if (!zone) return error(RCODE.NOTAUTH, q);
      return { kind: 'axfr', zone, query };
    }
    if (q.type === TYPE.IXFR || q.type === TYPE.MAILA || q.type === TYPE.MAILB) return error(RCODE.NOTIMP, q);
    if (q.class !== CLASS_IN) return error(RCODE.REFUSED, q);

    const zone = this.zoneFor(state, qname, q.type);
    if (!zone) return error(RCODE.REFUSED, q);
    const content = zone.content;
    const apexQuery = qname.length === content.apex.length;
    const useApex = apexQuery && content.apexRecords !== undefined && (content.size === undefined || content.size > BIG_ZONE);
    let idx: ZoneIndex;
    try {
      idx = this.index(content, useApex);
    } catch {
      return error(RCODE.SERVFAIL, q);
    }
    return { kind: 'message', data: reply(query, resolve(idx, qname, q.type)) };
  }

  /** The most specific zone served at this address that holds the name (for DS at a cut: the parent). */
  private zoneFor(state: AddressState, qname: Buffer, qtype: number): ServedZone | undefined {
    let p = 0;
    let skipApex = qtype === TYPE.DS && qname.length > 1;
    for (;;) {
      const z = state.zones.get(nameKey(qname.subarray(p)));
      if (z) {
        if (!skipApex) return z;
        // RFC 4035 §3.1.4.1: DS lives in the parent; answer from it when it is served here too.
        let pp = p;
        while (qname[pp] !== 0) {
          pp += 1 + qname[pp]!;
          const parent = state.zones.get(nameKey(qname.subarray(pp)));
          if (parent) return parent;
        }
        return z;
      }
      skipApex = false;
      if (qname[p] === 0) return undefined;
      p += 1 + qname[p]!;
    }
  }
}

/** RFC 1034 §4.3.2, for one zone: answer, referral, NODATA or NXDOMAIN. */
function resolve(idx: ZoneIndex, qname: Buffer, qtype: number): Answer {
  const apexLen = idx.apex.length;
  // Label starts of qname, leftmost first.
  const starts: number[] = [];
  for (let p = 0; qname[p] !== 0; p += 1 + qname[p]!) starts.push(p);
  // A zone cut between the apex and the name (closest to the apex first) makes a referral.
  for (let i = starts.length - 1; i >= 0; i--) {
    const p = starts[i]!;
    if (qname.length - p <= apexLen) continue;
    const rrs = idx.get(nameKey(qname.subarray(p)));
    if (!rrs) continue;
    const ns = rrs.filter((r) => r.type === TYPE.NS);
    if (ns.length === 0) continue;
    if (p === 0 && qtype === TYPE.DS) break;
    return { rcode: RCODE.NOERROR, aa: false, answers: [], authority: ns, additional: glue(idx, ns) };
  }
  const key = nameKey(qname);
  const rrs = idx.get(key);
  const negative = () => [{ ...idx.soa, ttl: Math.min(idx.soa.ttl, idx.soa.rdata.readUInt32BE(idx.soa.rdata.length - 4)) }];
  if (!rrs) {
    if (idx.exists(key)) return { rcode: RCODE.NOERROR, aa: true, answers: [], authority: negative(), additional: [] };
    return { rcode: RCODE.NXDOMAIN, aa: true, answers: [], authority: negative(), additional: [] };
  }
  let answers = qtype === TYPE.ANY ? rrs : rrs.filter((r) => r.type === qtype);
  if (answers.length === 0) answers = rrs.filter((r) => r.type === TYPE.CNAME);
  if (answers.length === 0) return { rcode: RCODE.NOERROR, aa: true, answers: [], authority: negative(), additional: [] };
  const additional = qtype === TYPE.NS || qtype === TYPE.MX ? glue(idx, answers) : [];
  return { rcode: RCODE.NOERROR, aa: true, answers, authority: [], additional };
}

/** A and AAAA records of the zone for the names in NS (or MX) RDATA. */
function glue(idx: ZoneIndex, rrs: readonly WireRecord[]): WireRecord[] {
  const out: WireRecord[] = [];
  const seen = new Set<string>();
  for (const r of rrs) {
    const target = r.type === TYPE.MX ? r.rdata.subarray(2) : r.rdata;
    const k = nameKey(lowerName(target));
    if (seen.has(k)) continue;
    seen.add(k);
    for (const g of idx.get(k) ?? []) if (g.type === TYPE.A) out.push(g);
    for (const g of idx.get(k) ?? []) if (g.type === TYPE.AAAA) out.push(g);
  }
  return out;
}

function reply(query: { id: number; rd: boolean; question?: Question }, a: Answer): Buffer {
  return encodeMessage({
    id: query.id,
    flags: FLAG_QR | (a.aa ? FLAG_AA : 0) | (query.rd ? FLAG_RD : 0),
    rcode: a.rcode,
    questions: query.question ? [query.question] : [],
    answers: a.answers,
    authority: a.authority,
    additional: a.additional,
  });
}

/** RFC 1035 §4.2.1: an answer that does not fit a UDP message: TC set, the question kept, no records. */
function truncated(data: Buffer): Buffer {
  const header = decodeHeader(data)!;
  let end = HEADER_LENGTH;
  if (header.qdcount === 1) {
    let p = HEADER_LENGTH;
    while (data[p] !== 0) p += 1 + data[p]!;
    end = p + 1 + 4;
  }
  const out = Buffer.from(data.subarray(0, end));
  out.writeUInt16BE(out.readUInt16BE(2) | FLAG_TC, 2);
  out.writeUInt16BE(0, 6);
  out.writeUInt32BE(0, 8);
  return out;
}

/** Records that do not belong to `apex`, for the `out-of-zone` behaviour. */
function outOfZoneRecords(apex: Buffer, count: number): WireRecord[] {
  const out: WireRecord[] = [];
  for (let i = 1; i <= count; i++) {
    const owner = textToName(`ooz${i}.injected.invalid.`);
    if (i % 2 === 1) out.push({ owner, type: TYPE.A, class: CLASS_IN, ttl: 300, rdata: Buffer.from([192, 0, 2, i & 0xff]) });
    else {
      const text = Buffer.from(`not part of ${nameToText(apex)}`);
      out.push({ owner, type: TYPE.TXT, class: CLASS_IN, ttl: 300, rdata: Buffer.concat([Buffer.from([text.length]), text]) });
    }
  }
  return out;
}

export function isLoopback(address: string): boolean {
  if (address === '::1') return true;
  return net.isIPv4(address) && address.startsWith('127.');
}

/** A ZoneContent for a fixed list of records (the SOA first). */
export function staticZone(key: string, records: readonly WireRecord[]): ZoneContent {
  if (records.length === 0 || records[0]!.type !== TYPE.SOA) throw new Error('a zone begins with its SOA');
  const apex = lowerName(records[0]!.owner);
  return {
    key,
    apex,
    size: records.length,
    records: () => records,
    apexRecords: () => records.filter((r) => lowerName(r.owner).equals(apex)),
  };
}
