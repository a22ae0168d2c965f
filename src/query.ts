/** Queries we send. */
import { CLASS_IN } from './types.js';

/**
 * A query for one question, class IN, no OPT record (RFC 5936 §2.1 for AXFR; our
 * resolver needs no EDNS either, and falls back to TCP on truncation).
 * RFC 1035 §4.1.1 header (QR clear, opcode QUERY, QDCOUNT 1) and §4.1.2 question,
 * the name as given in wire form: the bytes dns-packet would write for a plain
 * name, and exact for any other (written by hand so that `zonelog axfr` need not
 * load dns-packet).
 */
export function buildQuery(name: Buffer, type: number, id: number, flags = 0): Buffer {
  const out = Buffer.alloc(12 + name.length + 4);
  out.writeUInt16BE(id, 0);
  out.writeUInt16BE(flags & 0x7fff, 2);
  out.writeUInt16BE(1, 4);
  name.copy(out, 12);
  out.writeUInt16BE(type, 12 + name.length);
  out.writeUInt16BE(CLASS_IN, 14 + name.length);
  return out;
}
