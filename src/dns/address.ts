/** Server addresses as written on the command line: `ADDR[:PORT]` (docs/architecture.md §9). */
import net from 'node:net';

export interface ServerAddress {
  /** IPv4 or IPv6 address, or a host name. */
  host: string;
  port: number;
}

export type ParsedAddress = { ok: true; address: ServerAddress } | { ok: false; error: string };

const HOST_NAME = /^(?=.{1,253}\.?$)([A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)(\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

export function parsePort(text: string): number | undefined {
  if (!/^[0-9]{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/**
 * `192.0.2.1`, `192.0.2.1:5300`, `[2001:db8::1]:5300`, `2001:db8::1` (no port),
 * `ns1.example.net[:PORT]`. The port defaults to `defaultPort`.
 */
export function parseAddress(text: string, defaultPort = 53): ParsedAddress {
  const bad = (why: string): ParsedAddress => ({ ok: false, error: `invalid server address ${JSON.stringify(text)}: ${why}` });
  let host = text;
  let port = defaultPort;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return bad('missing "]"');
    host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return bad('expected ":PORT" after "]"');
      const p = parsePort(rest.slice(1));
      if (p === undefined) return bad('port must be 1 to 65535');
      port = p;
    }
    if (net.isIPv6(host)) return { ok: true, address: { host, port } };
    return bad('not an IPv6 address inside brackets');
  }
  if (net.isIPv6(text)) return { ok: true, address: { host: text, port } };
  const colon = text.lastIndexOf(':');
  if (colon >= 0) {
    host = text.slice(0, colon);
    const p = parsePort(text.slice(colon + 1));
    if (p === undefined) return bad('port must be 1 to 65535');
    port = p;
  }
  if (net.isIPv4(host)) return { ok: true, address: { host, port } };
  if (/^[0-9.]+$/.test(host)) return bad('not an IPv4 address');
  if (HOST_NAME.test(host)) return { ok: true, address: { host: host.replace(/\.$/, ''), port } };
  return bad('not an IP address or host name');
}

/** `192.0.2.1:53`, `[::1]:53`. */
export function formatAddress(a: ServerAddress): string {
  return net.isIPv6(a.host) ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
