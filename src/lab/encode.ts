/**
 * Encodes DNS messages from records whose names and RDATA are already in wire
 * form, for the servers of the lab and the tests. Names are written without
 * compression (RFC 1035 §4.1.4 allows that), so any RDATA is copied as it is.
 */
import type { Question, WireRecord } from '../dns/message.js';
import { HEADER_LENGTH } from '../dns/message.js';

export interface MessageFields {
  id: number;
  /** QR, AA, TC, RD … as the 16-bit flags word without the rcode; default: QR|AA. */
  flags?: number;
  opcode?: number;
  rcode?: number;
  questions?: Question[];
  answers?: WireRecord[];
  authority?: WireRecord[];
  additional?: WireRecord[];
}

export const FLAG_QR = 0x8000;
export const FLAG_AA = 0x0400;
export const FLAG_TC = 0x0200;
export const FLAG_RD = 0x0100;

export function recordLength(rec: WireRecord): number {
  return rec.owner.length + 10 + rec.rdata.length;
}

export function encodeMessage(m: MessageFields): Buffer {
  const questions = m.questions ?? [];
  const sections = [m.answers ?? [], m.authority ?? [], m.additional ?? []];
  let size = HEADER_LENGTH;
  for (const q of questions) size += q.name.length + 4;
  for (const s of sections) for (const r of s) size += recordLength(r);
  const out = Buffer.allocUnsafe(size);
  const flags = (m.flags ?? FLAG_QR | FLAG_AA) | ((m.opcode ?? 0) << 11) | (m.rcode ?? 0);
  out.writeUInt16BE(m.id, 0);
  out.writeUInt16BE(flags & 0xffff, 2);
  out.writeUInt16BE(questions.length, 4);
  out.writeUInt16BE(sections[0]!.length, 6);
  out.writeUInt16BE(sections[1]!.length, 8);
  out.writeUInt16BE(sections[2]!.length, 10);
  let at = HEADER_LENGTH;
  for (const q of questions) {
    q.name.copy(out, at);
    at += q.name.length;
    out.writeUInt16BE(q.type, at);
    out.writeUInt16BE(q.class, at + 2);
    at += 4;
  }
  for (const s of sections) for (const r of s) at = writeRecord(r, out, at);
  return out;
}

export function writeRecord(r: WireRecord, out: Buffer, at: number): number {
  r.owner.copy(out, at);
  at += r.owner.length;
  out.writeUInt16BE(r.type, at);
  out.writeUInt16BE(r.class, at + 2);
  out.writeUInt32BE(r.ttl >>> 0, at + 4);
  out.writeUInt16BE(r.rdata.length, at + 8);
  at += 10;
  r.rdata.copy(out, at);
  return at + r.rdata.length;
}
