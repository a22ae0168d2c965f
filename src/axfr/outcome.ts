/**
 * How one transfer from one server address ended (docs/architecture.md §4.4). Every failure the
 * network can cause is one of these values; none is thrown.
 */
import type { ZoneCounts } from '../zone/canonical.js';

/** Rcodes a server answers instead of a zone, by how we report them. */
export type RcodeKind = 'refused' | 'notauth' | 'notimp' | 'servfail' | 'formerr' | 'other-rcode';

export type FailureKind =
  | RcodeKind
  | 'timeout'
  | 'unreachable'
  | 'connection-refused'
  | 'reset'
  | 'truncated'
  | 'malformed'
  | 'limit'
  /** Cut by the caller (the scan's deadline), not the server's doing. */
  | 'aborted';

export type OutcomeKind = 'transferred' | FailureKind;

export interface TransferStats {
  /** Messages and bytes received (length prefixes included). */
  messages: number;
  bytes: number;
  /** Milliseconds from the start of the connection to the end of the transfer. */
  durationMs: number;
}

export interface Transferred extends TransferStats {
  kind: 'transferred';
  serial: number;
  counts: ZoneCounts;
}

interface RcodeFailure extends TransferStats {
  kind: RcodeKind;
  rcode: number;
  rcodeName: string;
  detail: string;
}

export interface OtherFailure extends TransferStats {
  kind: Exclude<FailureKind, RcodeKind>;
  detail: string;
}

export type Failure = RcodeFailure | OtherFailure;
export type Outcome = Transferred | Failure;

/** Outcomes that may clear up on a second try (docs/architecture.md §6.3); refusals never do. */
export function isTransient(kind: OutcomeKind): boolean {
  return kind === 'timeout' || kind === 'reset' || kind === 'truncated';
}

export function rcodeKind(rcode: number): RcodeKind {
  switch (rcode) {
    case 1:
      return 'formerr';
    case 2:
      return 'servfail';
    case 4:
      return 'notimp';
    case 5:
      return 'refused';
    case 9:
      return 'notauth';
    default:
      return 'other-rcode';
  }
}

/** One plain sentence for a failure, naming the server: `refused by 192.0.2.1:53 (REFUSED)`. */
export function describeFailure(f: Failure, server: string): string {
  switch (f.kind) {
    case 'refused':
    case 'notauth':
    case 'notimp':
    case 'servfail':
    case 'formerr':
    case 'other-rcode': {
      const verb = f.kind === 'refused' ? 'refused by' : f.kind === 'notauth' ? 'not authoritative at' : `${f.rcodeName} from`;
      return `${verb} ${server} (${f.rcodeName})`;
    }
    case 'timeout':
      return `timed out at ${server}: ${f.detail}`;
    case 'unreachable':
      return `${server} is unreachable: ${f.detail}`;
    case 'connection-refused':
      return `connection refused by ${server}`;
    case 'reset':
      return `connection reset by ${server}: ${f.detail}`;
    case 'truncated':
      return `transfer from ${server} ended early: ${f.detail}`;
    case 'malformed':
      return `malformed response from ${server}: ${f.detail}`;
    case 'limit':
      return `transfer from ${server} stopped at a limit: ${f.detail}`;
    case 'aborted':
      return `transfer from ${server} cut by the scan's deadline: ${f.detail}`;
  }
}
