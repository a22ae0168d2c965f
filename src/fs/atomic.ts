/**
 * Atomic file writes (docs/architecture.md §7.7): the text goes to a temporary file beside the
 * target, is flushed to disk, and is renamed over the target. A reader sees the old
 * file or the new one, never a part; a crash leaves at most a temporary file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import type { Writable } from 'node:stream';

export interface Written {
  bytes: number;
  /** Hex SHA-256 of what was written; empty when not asked for. */
  sha256: string;
}

/** Suffix of temporary files, so that a leftover from a crash is recognised and ignored. */
export const TEMP_SUFFIX = '.zonelog-tmp';

export function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
}

/**
 * Writes the chunks (bytes, or latin1/ASCII text) to `target` atomically, and with
 * `hashed` (the default) hashes them. A chunk may be reused by its producer once the
 * next is asked for.
 */
export async function writeAtomic(target: string, chunks: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>, hashed = true): Promise<Written> {
  const tmp = tempPathFor(target);
  const hash = hashed ? createHash('sha256') : undefined;
  let bytes = 0;
  const fh = await fs.promises.open(tmp, 'wx', 0o644);
  try {
    for await (const chunk of chunks) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
      // The write runs on the thread pool while the hash reads the same bytes here.
      const written = fh.write(buf);
      hash?.update(buf);
      bytes += buf.length;
      await written;
    }
    await fh.sync();
    await fh.close();
    await fs.promises.rename(tmp, target);
  } catch (e) {
    await fh.close().catch(() => {});
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
  return { bytes, sha256: hash?.digest('hex') ?? '' };
}

/** Writes the chunks to a stream, waiting when it asks us to. A chunk may be reused by its producer once the next is asked for. */
export async function writeToStream(out: Writable, chunks: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>): Promise<Written> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of chunks) {
    // A copy: the stream may keep the bytes past this turn, and the producer may reuse its buffer.
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : Buffer.from(chunk);
    hash.update(buf);
    bytes += buf.length;
    if (!out.write(buf))
      await new Promise<void>((resolve, reject) => {
        const done = (err?: Error) => {
          out.off('drain', done);
          out.off('error', done);
          if (err) reject(err);
          else resolve();
        };
        out.on('drain', done);
        out.on('error', done);
      });
  }
  return { bytes, sha256: hash.digest('hex') };
}
