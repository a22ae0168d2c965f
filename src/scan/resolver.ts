/**
 * A small iterative resolver for the addresses of name servers that have no glue
 * (docs/architecture.md §6.1): it starts at the root servers, follows referrals (RFC 1034 §5.3.3),
 * asks over UDP and again over TCP when the answer is truncated (RFC 7766 §5).
 * No system resolver is involved, so it works against the lab as against the world.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import type { ServerAddress } from '../dns/address.js';
import { MessageFramer, frame } from '../dns/framing.js';
import { decodeMessage, type Message, type WireRecord } from '../dns/message.js';
import { isInZone, lowerName, nameToText } from '../dns/name.js';
import { buildQuery } from '../dns/query.js';
import { ipv4, ipv6 } from '../dns/rdata.js';
import { CLASS_IN, TYPE } from '../dns/types.js';

export interface ResolverOptions {
  roots: ServerAddress[];
  /** Milliseconds to wait for one answer. */
  timeoutMs?: number;
  /** Referrals followed for one name before giving up. */
  maxReferrals?: number;
  /** Addresses never to ask (the exclusion list). */
  excluded?: (address: string) => boolean;
}

/** What one exchange with one server gave. */
type Exchange = { ok: true; message: Message } | { ok: false; detail: string };

const MAX_DEPTH = 4;

export class Resolver {
  private readonly cache = new Map<string, Promise<string[]>>();
  /** Zone cut (lowercase wire form, latin1) → its servers, from referrals followed (RFC 1034 §5.3.3 step 2: start at the closest known). */
  private readonly cuts = new Map<string, ServerAddress[]>();
  /** Addresses that let a question time out: asked after the others. */
  private readonly silent = new Set<string>();
  private readonly timeoutMs: number;
  private readonly maxReferrals: number;
  /** Exchanges made, for reports and tests. */
  queries = 0;
  /** Every address asked (the report lists them: what discovery contacted). */
  readonly asked = new Set<string>();

  constructor(private readonly options: ResolverOptions) {
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.maxReferrals = options.maxReferrals ?? 16;
  }

  /** IPv4 and IPv6 addresses of a host name; empty when it has none or cannot be resolved. */
  async addresses(name: Buffer): Promise<string[]> {
    const [a, aaaa] = await Promise.all([this.lookup(name, TYPE.A, 0), this.lookup(name, TYPE.AAAA, 0)]);
    return [...a, ...aaaa];
  }

  private lookup(name: Buffer, type: number, depth: number): Promise<string[]> {
    const key = `${type}:${lowerName(name).toString('latin1')}`;
    let p = this.cache.get(key);
    if (!p) {
      p = this.iterate(lowerName(name), type, depth);
      this.cache.set(key, p);
    }
    return p;
  }

  private async iterate(name: Buffer, type: number, depth: number): Promise<string[]> {
    const m = await this.walk(name, type, depth, false);
    if (!m) return [];
    const answers = m.answers.filter((r) => r.class === CLASS_IN && r.type === type && lowerName(r.owner).equals(name));
    if (answers.length > 0) return answers.map((r) => (type === TYPE.A ? ipv4(r.rdata) : ipv6(r.rdata)));
    const cname = m.answers.find((r) => r.type === TYPE.CNAME && lowerName(r.owner).equals(name));
    if (cname) return depth < MAX_DEPTH ? this.lookup(cname.rdata, type, depth + 1) : [];
    return [];
  }

  /**
   * The name servers of a zone as its parent delegates it (the NS names of the
   * referral whose cut is the zone), with their addresses from glue or resolved.
   * Undefined when no delegation is found.
   */
  async delegation(zone: Buffer): Promise<Map<string, string[]> | undefined> {
    const target = lowerName(zone);
    const m = await this.walk(target, TYPE.NS, 0, true);
    if (!m) return undefined;
    let ns = m.authority.filter((r) => r.type === TYPE.NS && r.class === CLASS_IN && lowerName(r.owner).equals(target));
    if (ns.length === 0) ns = m.answers.filter((r) => r.type === TYPE.NS && r.class === CLASS_IN && lowerName(r.owner).equals(target));
    if (ns.length === 0) return undefined;
    const out = new Map<string, string[]>();
    for (const r of ns) {
      const host = lowerName(r.rdata);
      const glue = isInZone(host, target)
        ? m.additional
            .filter((g) => (g.type === TYPE.A || g.type === TYPE.AAAA) && lowerName(g.owner).equals(host))
            .map((g) => (g.type === TYPE.A ? ipv4(g.rdata) : ipv6(g.rdata)))
        : [];
      out.set(nameToText(host), glue.length > 0 ? glue : await this.addresses(host));
    }
    return out;
  }

  /**
   * Follows referrals from the root towards `name` and returns the final answer
   * (or, with `stopAtCut`, the referral whose cut is `name` itself).
   */
  private async walk(name: Buffer, type: number, depth: number, stopAtCut: boolean): Promise<Message | undefined> {
    let servers = this.options.roots;
    let zone: Buffer = Buffer.from([0]);
    // The closest enclosing cut already followed (strictly above the name when its own referral is wanted).
    for (let at = stopAtCut ? nextLabel(name) : 0; at < name.length - 1; at = nextLabel(name, at)) {
      const known = this.cuts.get(name.subarray(at).toString('latin1'));
      if (known) {
        servers = known;
        zone = name.subarray(at);
        break;
      }
    }
    for (let step = 0; step < this.maxReferrals; step++) {
      const m = await this.askAny(servers, name, type);
      if (!m) return undefined;
      if (m.header.rcode !== 0) return undefined; // NXDOMAIN, or a server error at every server
      if (m.answers.length > 0 || m.header.aa) return m;
      // RFC 1034 §5.3.3: a referral names servers for a zone closer to the name.
      const ns = m.authority.filter((r) => r.type === TYPE.NS && r.class === CLASS_IN);
      const cut = ns[0] ? lowerName(ns[0].owner) : undefined;
      if (!cut || !isInZone(name, cut) || !isInZone(cut, zone) || cut.equals(zone)) return undefined;
      if (stopAtCut && cut.equals(name)) return m;
      const next = await this.serversFor(ns, m.additional, cut, depth);
      if (next.length === 0) return undefined;
      this.cuts.set(cut.toString('latin1'), next);
      servers = next;
      zone = cut;
    }
    return undefined;
  }

  /** Addresses of a referral's servers: glue inside the referred zone, else resolved from the root. */
  private async serversFor(ns: WireRecord[], additional: WireRecord[], cut: Buffer, depth: number): Promise<ServerAddress[]> {
    const port = this.options.roots[0]?.port ?? 53;
    const out: ServerAddress[] = [];
    const glueless: Buffer[] = [];
    for (const r of ns) {
      const target = lowerName(r.rdata);
      // Glue is trusted only for names inside the zone it was given for.
      const glue = isInZone(target, cut) ? additional.filter((g) => (g.type === TYPE.A || g.type === TYPE.AAAA) && lowerName(g.owner).equals(target)) : [];
      if (glue.length === 0) glueless.push(target);
      for (const g of glue) out.push({ host: g.type === TYPE.A ? ipv4(g.rdata) : ipv6(g.rdata), port });
    }
    if (out.length === 0 && depth < MAX_DEPTH) {
      for (const target of glueless) {
        const found = await this.lookup(target, TYPE.A, depth + 1);
        for (const host of found) out.push({ host, port });
        if (out.length > 0) break;
      }
    }
    return out;
  }

  private async askAny(servers: ServerAddress[], name: Buffer, type: number): Promise<Message | undefined> {
    let errorReply: Message | undefined;
    // Servers that answered before first, in their given order otherwise.
    const ordered = [...servers.filter((s) => !this.silent.has(s.host)), ...servers.filter((s) => this.silent.has(s.host))];
    for (const server of ordered) {
      const r = await this.ask(server, name, type);
      if (!r.ok) continue;
      if (r.message.header.rcode === 0 || r.message.header.rcode === 3) return r.message;
      errorReply = r.message;
    }
    return errorReply;
  }

  /** Whether a question to this address has timed out in this scan (ask it after the others). */
  wasSilent(host: string): boolean {
    return this.silent.has(host);
  }

  /** One question to one server: UDP, then TCP if the answer was truncated. */
  async ask(server: ServerAddress, name: Buffer, type: number): Promise<Exchange> {
    if (this.options.excluded?.(server.host)) return { ok: false, detail: `${server.host} is excluded` };
    this.queries++;
    this.asked.add(server.host);
    const id = randomInt(0, 0x10000);
    const query = buildQuery(name, type, id);
    const udp = await udpExchange(server, query, this.timeoutMs);
    if (!udp.ok && udp.detail === 'timeout') this.silent.add(server.host);
    const checked = udp.ok ? check(udp.message, id, name, type) : udp;
    if (checked.ok && checked.message.header.tc) {
      const tcp = await tcpExchange(server, query, this.timeoutMs);
      return tcp.ok ? check(tcp.message, id, name, type) : tcp;
    }
    return checked;
  }
}

/** The offset of the label after the one at `at` in a wire-form name. */
function nextLabel(name: Buffer, at = 0): number {
  return at + 1 + name[at]!;
}

function check(m: Message, id: number, name: Buffer, type: number): Exchange {
  if (m.header.id !== id || !m.header.qr) return { ok: false, detail: 'answer does not match the query' };
  const q = m.questions[0];
  if (m.questions.length !== 1 || !q || q.type !== type || !lowerName(q.name).equals(name)) {
    return { ok: false, detail: `answer is for another question than ${nameToText(name)}` };
  }
  return { ok: true, message: m };
}

function udpExchange(server: ServerAddress, query: Buffer, timeoutMs: number): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(net.isIPv6(server.host) ? 'udp6' : 'udp4');
    const done = (r: Exchange) => {
      clearTimeout(timer);
      socket.close();
      resolve(r);
    };
    const timer = setTimeout(() => done({ ok: false, detail: 'timeout' }), timeoutMs);
    socket.on('error', (e) => done({ ok: false, detail: e.message }));
    socket.on('message', (msg, rinfo) => {
      if (rinfo.port !== server.port) return;
      const d = decodeMessage(msg);
      if (!d.ok) return done({ ok: false, detail: d.detail });
      if (d.message.header.id !== query.readUInt16BE(0)) return; // not ours; keep waiting
      done({ ok: true, message: d.message });
    });
    socket.send(query, server.port, server.host);
  });
}

function tcpExchange(server: ServerAddress, query: Buffer, timeoutMs: number): Promise<Exchange> {
  return new Promise((resolve) => {
    const framer = new MessageFramer();
    const socket = net.connect({ host: server.host, port: server.port });
    const done = (r: Exchange) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ ok: false, detail: 'timeout' }), timeoutMs);
    socket.on('connect', () => socket.write(frame(query)));
    socket.on('error', (e) => done({ ok: false, detail: e.message }));
    socket.on('close', () => done({ ok: false, detail: 'connection closed' }));
    socket.on('data', (chunk) => {
      framer.push(chunk);
      const msg = framer.next();
      if (!msg) return;
      const d = decodeMessage(msg);
      done(d.ok ? { ok: true, message: d.message } : { ok: false, detail: d.detail });
    });
  });
}
