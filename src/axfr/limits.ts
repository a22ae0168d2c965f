/**
 * The resource limits of one transfer (docs/architecture.md §4.3): everything a server sends is
 * untrusted, so time, records, bytes and the memory used for sorting are bounded.
 */

export interface TransferLimits {
  /** Milliseconds to wait for the TCP connection. */
  connectTimeoutMs: number;
  /** Milliseconds without a byte from the server before giving up. */
  idleTimeoutMs: number;
  /** Milliseconds for the whole transfer, connection included. */
  deadlineMs: number;
  /** Records received (all sections' answers, out-of-zone ones included). */
  maxRecords: number;
  /** Bytes received. */
  maxBytes: number;
}

export const DEFAULT_LIMITS: TransferLimits = {
  connectTimeoutMs: 5_000,
  idleTimeoutMs: 10_000,
  deadlineMs: 30 * 60_000,
  maxRecords: 50_000_000,
  maxBytes: 8 * 1024 ** 3,
};

/** The sort's memory budget bounds a transfer's memory (docs/architecture.md §5.5). */
export { DEFAULT_MEMORY_BUDGET } from '../zone/sorter.js';
