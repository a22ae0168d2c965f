/**
 * RFC 1035 §4.2.2 / RFC 7766 §8: over TCP every message is preceded by its
 * length as two octets. A stream may carry any number of messages, split into
 * chunks at any byte.
 */
export class MessageFramer {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** Bytes received that do not yet form a whole message. */
  get pending(): number {
    return this.buffered;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** The next whole message, without its length prefix, or undefined if it has not all arrived. */
  next(): Buffer | undefined {
    if (this.buffered < 2) return undefined;
    const length = this.peekLength();
    if (this.buffered < 2 + length) return undefined;
    this.take(2);
    return this.take(length);
  }

  private peekLength(): number {
    const first = this.chunks[0]!;
    if (first.length >= 2) return first.readUInt16BE(0);
    return (first[0]! << 8) | this.chunks[1]![0]!;
  }

  private take(n: number): Buffer {
    // A length prefix of 0 (RFC 1035 §4.2.2 frames cannot forbid it) is an empty
    // message for the decoder to reject; there may be no chunk left to take it from.
    if (n === 0) return Buffer.alloc(0);
    this.buffered -= n;
    const first = this.chunks[0]!;
    if (first.length > n) {
      this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    if (first.length === n) {
      this.chunks.shift();
      return first;
    }
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - at);
      c.copy(out, at, 0, k);
      at += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    return out;
  }
}

/** Prefixes a message with its two-octet length. */
export function frame(message: Uint8Array): Buffer {
  if (message.length > 0xffff) throw new RangeError(`message of ${message.length} bytes does not fit a TCP frame`);
  const out = Buffer.allocUnsafe(2 + message.length);
  out.writeUInt16BE(message.length, 0);
  out.set(message, 2);
  return out;
}
