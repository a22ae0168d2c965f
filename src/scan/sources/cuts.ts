/**
 * Is a name a zone? One NS question to the servers of the closest
 * zone we know above it: a referral whose owner is the name, or an authoritative
 * NS answer at the name, is a zone cut (RFC 1034 §4.2.1: a zone's NS records
 * at its parent mark the cut); NXDOMAIN means nothing exists at or below the name
 * (RFC 8020); an authoritative answer without NS (NODATA) means the name exists
 * but is no cut, so names below it may be. A referral to a cut between the zone
 * we asked and the name is followed, and that zone remembered.
 *
 * The questions go to the zones' own servers, never through the root, one server
 * per question (the next only when one fails to answer), spread over the
 * servers by name, and never to an excluded address.
 */
import { createHash } from 'node:crypto';
import type { ServerAddress } from '../../dns/address.js';
import type { Message, WireRecord } from '../../dns/message.js';
import { isInZone, lowerName, nameToText, textToName } from '../../dns/name.js';
import { ipv4, ipv6 } from '../../dns/rdata.js';
import { CLASS_IN, RCODE, TYPE } from '../../dns/types.js';
import type { Resolver } from '../resolver.js';
import { normalizeAddress } from '../targets.js';

export type Probe = { kind: 'cut'; zone: string; ns: Map<string, string[]> } | { kind: 'exists' } | { kind: 'nxdomain' } | { kind: 'failed'; detail: string };

/** Referrals followed below the zone first asked before giving up. */
const MAX_REFERRALS = 4;

export class ZoneCuts {
  /** Zone (presentation form) → its servers' addresses. */
  private readonly servers = new Map<string, ServerAddress[]>();
  /** NS name → addresses this scan learnt (glue and resolution), so a name is not resolved twice. */
  private readonly hosts = new Map<string, string[]>();
  /** NS questions asked. */
  questions = 0;

  constructor(
    private readonly resolver: Resolver,
    private readonly port: number,
    private readonly excluded: (address: string) => boolean,
  ) {}

  /** Remembers a zone's servers (from a delegation this scan found). */
  know(zone: string, ns: Map<string, string[]>): void {
    for (const [name, addrs] of ns) if (addrs.length > 0 && !this.hosts.has(name)) this.hosts.set(name, addrs);
    this.knowServers(
      zone,
      [...ns.values()].flat().map((host) => ({ host, port: this.port })),
    );
  }

  knowServers(zone: string, servers: readonly ServerAddress[]): void {
    const seen = new Set<string>();
    const list: ServerAddress[] = [];
    for (const s of servers) {
      const host = normalizeAddress(s.host);
      if (this.excluded(host) || seen.has(host)) continue;
      seen.add(host);
      list.push({ host, port: s.port });
    }
    list.sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
    if (list.length > 0) this.servers.set(zone, list);
  }

  knows(zone: string): boolean {
    return this.servers.has(zone);
  }

  /** The closest zone at or above `name` (strictly above when `strict`) whose servers we know. */
  closestKnown(name: string, strict = true): string | undefined {
    let n = strict ? parentOf(name) : name;
    while (n !== undefined) {
      if (this.servers.has(n)) return n;
      n = parentOf(n);
    }
    return undefined;
  }

  /**
   * Asks the servers of the closest known zone above `name` whether `name` is a zone cut;
   * `tally` counts the questions for the source asking (sources ask at the same time).
   */
  async probe(name: string, tally?: { questions: number }): Promise<Probe> {
    let zone = this.closestKnown(name);
    if (zone === undefined) return { kind: 'failed', detail: `no servers known for a zone above ${name}` };
    const target = textToName(name);
    for (let step = 0; step <= MAX_REFERRALS; step++) {
      const m = await this.ask(zone, name, target, tally);
      if (!m.ok) return { kind: 'failed', detail: m.detail };
      const r = classify(m.message, target, textToName(zone));
      if (r.kind !== 'delegation') return r;
      const ns = await this.addressesOf(r.ns, m.message.additional, r.owner);
      const owner = nameToText(r.owner);
      this.know(owner, ns);
      if (r.atName) return { kind: 'cut', zone: owner, ns };
      if (!this.knows(owner)) return { kind: 'failed', detail: `no address for the servers of ${owner}` };
      zone = owner;
    }
    return { kind: 'failed', detail: `more than ${MAX_REFERRALS} referrals below ${this.closestKnown(name)}` };
  }

  private async ask(
    zone: string,
    name: string,
    target: Buffer,
    tally?: { questions: number },
  ): Promise<{ ok: true; message: Message } | { ok: false; detail: string }> {
    const addrs = this.servers.get(zone)!;
    const start = createHash('sha256').update(name).digest().readUInt32BE(0) % addrs.length;
    let last = 'no answer';
    // From a server chosen by the name (questions spread over the servers), those that timed out before last.
    const rotated = addrs.map((_, i) => addrs[(start + i) % addrs.length]!);
    const order = [...rotated.filter((a) => !this.resolver.wasSilent(a.host)), ...rotated.filter((a) => this.resolver.wasSilent(a.host))];
    for (const server of order) {
      const host = server.host;
      this.questions++;
      if (tally) tally.questions++;
      const r = await this.resolver.ask(server, target, TYPE.NS);
      if (!r.ok) {
        last = `${host}: ${r.detail}`;
        continue;
      }
      const rc = r.message.header.rcode;
      if (rc === RCODE.NOERROR || rc === RCODE.NXDOMAIN) return r;
      last = `${host}: rcode ${rc}`;
    }
    return { ok: false, detail: `the servers of ${zone} gave no answer about ${name} (${last})` };
  }

  /** NS names with their addresses: glue inside the zone it is given for, else what this scan learnt of the name, else resolved. */
  private async addressesOf(ns: WireRecord[], additional: WireRecord[], owner: Buffer): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const r of ns) {
      const host = lowerName(r.rdata);
      const glue = isInZone(host, owner)
        ? additional
            .filter((g) => (g.type === TYPE.A || g.type === TYPE.AAAA) && g.class === CLASS_IN && lowerName(g.owner).equals(host))
            .map((g) => (g.type === TYPE.A ? ipv4(g.rdata) : ipv6(g.rdata)))
        : [];
      const name = nameToText(host);
      out.set(name, glue.length > 0 ? glue : (this.hosts.get(name) ?? (await this.resolver.addresses(host))));
    }
    return out;
  }
}

type Classified =
  /** NS records at `owner`: the name itself (`atName`), or a cut between the zone asked and the name. */
  { kind: 'delegation'; owner: Buffer; ns: WireRecord[]; atName: boolean } | { kind: 'exists' } | { kind: 'nxdomain' } | { kind: 'failed'; detail: string };

/** What one answer from the servers of `zone` says about `name`. */
export function classify(m: Message, name: Buffer, zone: Buffer): Classified {
  const text = nameToText(name);
  if (m.header.rcode === RCODE.NXDOMAIN) return m.header.aa ? { kind: 'nxdomain' } : { kind: 'failed', detail: `NXDOMAIN for ${text} without authority` };
  const nsAt = (list: WireRecord[], owner: Buffer) => list.filter((r) => r.type === TYPE.NS && r.class === CLASS_IN && lowerName(r.owner).equals(owner));
  // The server is authoritative for the name's own zone (it serves parent and child alike).
  const answer = nsAt(m.answers, name);
  if (answer.length > 0) return { kind: 'delegation', owner: name, ns: answer, atName: true };
  if (m.header.aa) return { kind: 'exists' };
  // RFC 1034 §4.3.2: a referral; its owner is a cut between the zone asked and the name.
  const first = m.authority.find((r) => r.type === TYPE.NS && r.class === CLASS_IN);
  if (!first) return { kind: 'failed', detail: `neither an answer nor a referral for ${text}` };
  const owner = lowerName(first.owner);
  if (owner.equals(name)) return { kind: 'delegation', owner, ns: nsAt(m.authority, owner), atName: true };
  if (isInZone(name, owner) && isInZone(owner, zone) && !owner.equals(zone)) return { kind: 'delegation', owner, ns: nsAt(m.authority, owner), atName: false };
  return { kind: 'failed', detail: `a referral to ${nameToText(owner)}, not below ${nameToText(zone)}` };
}

/** `b.c.` for `a.b.c.`; undefined for the root. */
export function parentOf(name: string): string | undefined {
  if (name === '.') return undefined;
  let i = 0;
  while (i < name.length && name[i] !== '.') i += name[i] === '\\' ? 2 : 1;
  const rest = name.slice(i + 1);
  return rest === '' ? '.' : rest;
}
