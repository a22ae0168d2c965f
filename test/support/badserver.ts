/**
 * An in-process, deliberately misbehaving DNS server over TCP on 127.0.0.1, for
 * the AXFR client tests. Each test gives it a script: a function that receives
 * the decoded query and the socket and writes whatever bytes the case needs.
 *
 * The server reads exactly one framed query per connection, records it, and runs
 * the script. It never closes a connection unless the script does (a FIN from the
 * client is answered with a FIN, as the kernel of any server would), so a test can
 * see whether the client closed. It records the peak number of simultaneous
 * connections.
 */
import net from 'node:net';
import { encodeMessage, type MessageFields } from '../../src/lab/encode.js';
import { MessageFramer, frame } from '../../src/dns/framing.js';
import { decodeMessage, type Message, type Question, type WireRecord } from '../../src/dns/message.js';
import { textToName } from '../../src/dns/name.js';
import { CLASS_IN, TYPE } from '../../src/dns/types.js';

export interface Connection {
  readonly socket: net.Socket;
  /** The query as received (without its length prefix), once it has all arrived. */
  queryBytes?: Buffer;
  query?: Message;
  /** Bytes the client sent after its query (a client sends only the query). */
  extraBytes: number;
  /** Bytes the server handed to the socket. */
  bytesSent: number;
  /** The client closed (FIN or RST) before the server closed or reset. */
  clientClosed: boolean;
  /** The script ended or reset the connection. */
  serverClosed: boolean;
  closed: boolean;
  readonly whenClosed: Promise<void>;
}

/** What a script needs to answer a query with bytes: enough for the cases that need no socket. */
export interface Responder {
  readonly query: Message;
  readonly id: number;
  /** The query's question (the zone, AXFR, IN). */
  readonly question: Question;
  /** A response to the query: its ID and question, QR|AA, unless the fields say otherwise. */
  response(fields?: Partial<MessageFields>): Buffer;
  /** Frames each message and writes them all at once. */
  send(...messages: Buffer[]): Promise<void>;
  /** Writes bytes as they are. Resolves when flushed to the kernel, or when the connection closes. */
  write(bytes: Buffer): Promise<void>;
}

interface ScriptContext extends Responder {
  readonly conn: Connection;
  readonly socket: net.Socket;
  /** True once the connection is closed; endless scripts loop until then. */
  readonly closed: boolean;
  /** Writes `step` bytes at a time with `delayMs` between writes, until done or closed. */
  drip(bytes: Buffer, delayMs: number, step?: number): Promise<void>;
  /** Closes the connection with a TCP RST. */
  reset(): void;
  /** Closes the sending side (FIN). */
  end(): void;
  sleep(ms: number): Promise<void>;
}

export type Script = (ctx: ScriptContext) => void | Promise<void>;
/** A script that only writes bytes: it runs with a socket (BadServer) or without one (answerBytes). */
export type ByteScript = (ctx: Responder) => void | Promise<void>;

/** The bytes a script writes in answer to `query`, without a socket. */
export async function answerBytes(script: ByteScript, query: Buffer): Promise<Buffer> {
  const decoded = decodeMessage(query);
  if (!decoded.ok) throw new Error(`bad query: ${decoded.detail}`);
  const q = decoded.message;
  const question = q.questions[0]!;
  const out: Buffer[] = [];
  const write = async (bytes: Buffer) => void out.push(Buffer.from(bytes));
  await script({
    query: q,
    id: q.header.id,
    question,
    response: (fields = {}) => encodeMessage({ id: q.header.id, questions: [question], ...fields }),
    send: (...messages) => write(Buffer.concat(messages.map((m) => frame(m)))),
    write,
  });
  return Buffer.concat(out);
}

/** A script that reads the query and never answers (nor closes). */
export const neverAnswer: Script = () => {};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class BadServer {
  readonly connections: Connection[] = [];
  /** Exceptions thrown by scripts or by the server itself; a test expects none. */
  readonly errors: unknown[] = [];
  peakConnections = 0;
  private active = 0;
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    public script: Script,
  ) {}

  static async start(script: Script): Promise<BadServer> {
    const server = net.createServer({ allowHalfOpen: false });
    const bad = new BadServer(server, script);
    server.on('connection', (s) => bad.accept(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return bad;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Resolves when every connection accepted so far has closed, or after `ms`. Returns whether all closed. */
  async allClosed(ms = 2000): Promise<boolean> {
    const all = Promise.all(this.connections.map((c) => c.whenClosed)).then(() => true);
    return Promise.race([all, sleep(ms).then(() => false)]);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    this.active++;
    this.peakConnections = Math.max(this.peakConnections, this.active);
    let markClosed!: () => void;
    const conn: Connection = {
      socket,
      extraBytes: 0,
      bytesSent: 0,
      clientClosed: false,
      serverClosed: false,
      closed: false,
      whenClosed: new Promise<void>((resolve) => (markClosed = resolve)),
    };
    this.connections.push(conn);
    const clientGone = () => {
      if (!conn.serverClosed) conn.clientClosed = true;
    };
    socket.on('end', clientGone);
    // ECONNRESET / EPIPE: the client reset (it closes with unread data) or went away.
    socket.on('error', clientGone);
    socket.on('close', () => {
      conn.closed = true;
      this.active--;
      this.sockets.delete(socket);
      markClosed();
    });
    const framer = new MessageFramer();
    socket.on('data', (chunk: Buffer) => {
      if (conn.queryBytes) {
        conn.extraBytes += chunk.length;
        return;
      }
      framer.push(chunk);
      const msg = framer.next();
      if (!msg) return;
      conn.extraBytes += framer.pending;
      conn.queryBytes = Buffer.from(msg);
      const decoded = decodeMessage(conn.queryBytes);
      if (!decoded.ok) {
        this.errors.push(new Error(`bad query: ${decoded.detail}`));
        return;
      }
      conn.query = decoded.message;
      this.run(conn, decoded.message);
    });
  }

  private run(conn: Connection, query: Message): void {
    const socket = conn.socket;
    const question = query.questions[0] ?? { name: Buffer.from([0]), type: TYPE.AXFR, class: CLASS_IN };
    // The client runs in the same process: after every write, give the event loop a
    // turn (setImmediate runs after the poll phase), or an endless script would keep
    // it busy with callbacks of writes that complete at once, until the client's
    // timers fire before it has read a byte.
    const write = async (bytes: Buffer): Promise<void> => {
      if (conn.closed || socket.destroyed || socket.writableEnded) return;
      conn.bytesSent += bytes.length;
      const flushed = new Promise<void>((resolve) => socket.write(bytes, () => resolve()));
      await Promise.race([flushed, conn.whenClosed]);
      await new Promise<void>((resolve) => setImmediate(resolve));
    };
    const ctx: ScriptContext = {
      conn,
      socket,
      query,
      id: query.header.id,
      question,
      get closed() {
        return conn.closed || socket.destroyed;
      },
      response: (fields = {}) => encodeMessage({ id: query.header.id, questions: [question], ...fields }),
      send: (...messages) => write(Buffer.concat(messages.map((m) => frame(m)))),
      write,
      drip: async (bytes, delayMs, step = 1) => {
        for (let at = 0; at < bytes.length && !ctx.closed; at += step) {
          await write(bytes.subarray(at, at + step));
          await sleep(delayMs);
        }
      },
      reset: () => {
        conn.serverClosed = true;
        if (!socket.destroyed) socket.resetAndDestroy();
      },
      end: () => {
        conn.serverClosed = true;
        socket.end();
      },
      sleep,
    };
    Promise.resolve()
      .then(() => this.script(ctx))
      .catch((e: unknown) => this.errors.push(e));
  }
}

/** A port on 127.0.0.1 with nothing listening (bound, then released). */
export async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/*
 * RDATA and records built by hand, names uncompressed (wire form).
 */
const name = (text: string): Buffer => textToName(text);

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

export const rdata = {
  name,
  a: (ip: string): Buffer => Buffer.from(ip.split('.').map(Number)),
  aaaa: (ip: string): Buffer => {
    const [head, tail] = ip.split('::') as [string, string | undefined];
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
    return Buffer.concat(groups.map((g) => u16(parseInt(g, 16))));
  },
  ns: (target: string): Buffer => name(target),
  mx: (preference: number, exchange: string): Buffer => Buffer.concat([u16(preference), name(exchange)]),
  txt: (...strings: string[]): Buffer =>
    Buffer.concat(strings.map((s) => Buffer.concat([Buffer.from([Buffer.byteLength(s, 'latin1')]), Buffer.from(s, 'latin1')]))),
  soa: (mname: string, rname: string, serial: number, refresh = 7200, retry = 3600, expire = 1209600, minimum = 300): Buffer =>
    Buffer.concat([name(mname), name(rname), u32(serial), u32(refresh), u32(retry), u32(expire), u32(minimum)]),
  u16,
  u32,
};

/** One record; the owner is given in presentation form. */
export function rr(owner: string, type: keyof typeof TYPE | number, data: Buffer, ttl = 3600, cls = CLASS_IN): WireRecord {
  return { owner: name(owner), type: typeof type === 'number' ? type : TYPE[type], class: cls, ttl, rdata: data };
}

export function soaRecord(origin = 'example.', serial = 2024010101): WireRecord {
  return rr(origin, 'SOA', rdata.soa(`ns1.${origin}`, `hostmaster.${origin}`, serial));
}

/**
 * A small zone: the SOA first, then NS, MX, A, AAAA and TXT records in an order
 * that is not the canonical one. Without the closing SOA.
 */
export function smallZone(origin = 'example.', serial = 2024010101): WireRecord[] {
  const o = origin;
  return [
    soaRecord(o, serial),
    rr(`www.${o}`, 'TXT', rdata.txt('hello world', 'second'), 300),
    rr(`ns2.${o}`, 'A', rdata.a('192.0.2.2')),
    rr(o, 'NS', rdata.ns(`ns2.${o}`)),
    rr(`mail.${o}`, 'A', rdata.a('192.0.2.25')),
    rr(o, 'NS', rdata.ns(`ns1.${o}`)),
    rr(o, 'MX', rdata.mx(10, `mail.${o}`)),
    rr(`ns1.${o}`, 'AAAA', rdata.aaaa('2001:db8::1')),
    rr(o, 'TXT', rdata.txt('v=spf1 -all')),
    rr(`ns1.${o}`, 'A', rdata.a('192.0.2.1')),
  ];
}

/*
 * Hand-assembled messages, for what encodeMessage cannot write: compression
 * pointers, wrong RDLENGTHs, odd label types.
 */

/** A compression pointer to `offset` (RFC 1035 §4.1.4). */
export function ptr(offset: number): Buffer {
  return Buffer.from([0xc0 | (offset >> 8), offset & 0xff]);
}

/** One label, length octet first (no terminator). */
export function label(text: string): Buffer {
  return Buffer.concat([Buffer.from([Buffer.byteLength(text, 'latin1')]), Buffer.from(text, 'latin1')]);
}

export interface RawRecordOptions {
  cls?: number;
  ttl?: number;
  /** Written instead of the RDATA's real length. */
  rdlength?: number;
}

/**
 * A message assembled byte by byte: every method returns the offset its bytes
 * start at, so that later names can point at earlier ones (or anywhere else).
 */
export class RawMessage {
  private readonly parts: Buffer[] = [];
  private readonly patches: { at: number; bytes: Buffer }[] = [];
  length = 12;
  qdcount = 0;
  ancount = 0;

  constructor(
    readonly id: number,
    readonly flags = 0x8400, // QR | AA
  ) {}

  bytes(...chunks: (Buffer | readonly number[])[]): number {
    const at = this.length;
    for (const c of chunks) {
      const b = Buffer.from(c);
      this.parts.push(b);
      this.length += b.length;
    }
    return at;
  }

  question(q: Question): number {
    this.qdcount++;
    return this.bytes(q.name, u16(q.type), u16(q.class));
  }

  /** A record in the answer section; owner and RDATA are raw bytes (they may hold pointers). */
  record(owner: Buffer, type: number, data: Buffer, opts: RawRecordOptions = {}): { ownerAt: number; rdataAt: number } {
    this.ancount++;
    const ownerAt = this.bytes(owner, u16(type), u16(opts.cls ?? CLASS_IN), u32(opts.ttl ?? 3600), u16(opts.rdlength ?? data.length));
    const rdataAt = this.bytes(data);
    return { ownerAt, rdataAt };
  }

  /** A record as encodeMessage would write it (no compression). */
  wire(rec: WireRecord): { ownerAt: number; rdataAt: number } {
    return this.record(rec.owner, rec.type, rec.rdata, { cls: rec.class, ttl: rec.ttl });
  }

  /** Overwrites bytes at an offset when the message is built. */
  patch(at: number, bytes: Buffer): void {
    this.patches.push({ at, bytes });
  }

  build(): Buffer {
    const head = Buffer.alloc(12);
    head.writeUInt16BE(this.id, 0);
    head.writeUInt16BE(this.flags, 2);
    head.writeUInt16BE(this.qdcount, 4);
    head.writeUInt16BE(this.ancount, 6);
    const out = Buffer.concat([head, ...this.parts]);
    for (const p of this.patches) p.bytes.copy(out, p.at);
    return out;
  }
}
