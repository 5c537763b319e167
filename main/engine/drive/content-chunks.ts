// Where a file's content is cut into blocks. Fixed-size blocks make an insert or a deletion shift
// every later block, so the block reuse of a new version (Hyperblobs' dedup) finds nothing after it
// and the rest of the file is stored and sent again. Here a cut depends on the 32 bytes before it
// (a gear rolling hash, as in FastCDC), so after an edit the cuts fall where they fell before and
// only the blocks around the edit are new.
import { createHash } from 'node:crypto'

const KIB = 1024

/**
 * Block sizes. Big blocks are what made big files fast: per-block work dominated a receiver at
 * 64 KiB, and 256 KiB took a 256 MiB initial sync from 7-12 s to ~5 s (BLOCK_BYTES). So a block
 * is at least 128 KiB, then ends at the first cut point (one byte in 128 Ki): 256 KiB on average,
 * 80% between 140 and 440 KiB for random content. The maximum bounds what one edit costs (the
 * block it falls in is sent whole) and what a receiver holds per request in flight (1 MiB blocks
 * added ~50 MiB of RSS); random content reaches it about once in 1,000 blocks. It is far under the
 * 15 MiB a block may have when drive-entry.ts judges a block map's claim.
 *
 * No normalized chunking (FastCDC's stricter cut rule before the average size, looser after):
 * it gathers sizes closer to the average, but a cut then depends on where its block began, so
 * after an edit the cuts took longer to fall back in place. Simulated on 64 MiB of random content,
 * 600 edits: a 1 MiB deletion cost 560 KiB of new blocks on average (2.1 MiB at most) with it,
 * 360 KiB (1.1 MiB) without.
 *
 * Changing any of this, or GEAR, moves the cuts: every big file's next version would be stored
 * whole, once.
 */
export const CHUNK_MIN = 128 * KIB
export const CHUNK_MAX = 1024 * KIB
/** A cut comes after a byte where the hash's top 17 bits are zero (the hash moves one bit a byte: its top bits depend on the most bytes). */
const CUT_MASK = 0xffff8000 | 0

/** What to read a file in: a block inside one read is passed on as is, one across two is copied. */
export const READ_BYTES = CHUNK_MAX

/** One random 32-bit number per byte value, the same in every build. */
const GEAR = (() => {
  const table = new Int32Array(256)
  for (let i = 0; i < 256; i += 8) {
    const digest = createHash('sha256').update(`shoal content chunks ${i / 8}`).digest()
    for (let j = 0; j < 8; j++) table[i + j] = digest.readInt32LE(j * 4)
  }
  return table
})()

/**
 * Cuts a stream of bytes into blocks of CHUNK_MIN..CHUNK_MAX bytes (the last may be shorter). The
 * cuts depend only on the bytes, never on how the source splits them; a block inside one source
 * buffer is a view of it (no copy), one that spans buffers is copied together. Holds at most one
 * block and one source buffer.
 */
export async function* contentChunks(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const cutter = new ChunkCutter()
  for await (const buf of source) yield* cutter.push(buf)
  const last = cutter.end()
  if (last) yield last
}

export class ChunkCutter {
  /** Bytes of the current block from earlier buffers. */
  #parts: Uint8Array[] = []
  #length = 0
  #hash = 0

  /** The blocks `buf` completes (the rest waits for more bytes or end()). */
  push(buf: Uint8Array): Uint8Array[] {
    const blocks: Uint8Array[] = []
    let pos = 0
    while (pos < buf.length) {
      const cut = this.#findCut(buf, pos)
      if (cut < 0) {
        this.#parts.push(buf.subarray(pos))
        break
      }
      blocks.push(this.#take(buf.subarray(pos, cut)))
      pos = cut
    }
    return blocks
  }

  /** The last block, if any bytes are left. */
  end(): Uint8Array | null {
    return this.#length > 0 ? this.#take(new Uint8Array(0)) : null
  }

  #take(tail: Uint8Array): Uint8Array {
    const parts = this.#parts
    const block = parts.length === 0 ? tail : Buffer.concat([...parts, tail])
    this.#parts = []
    this.#length = 0
    this.#hash = 0
    return block
  }

  /** Where in `buf` (from `pos`) the current block ends, or -1 if not in it (its bytes are counted and hashed). */
  #findCut(buf: Uint8Array, pos: number): number {
    const start = pos - this.#length // where the block began, in buf's coordinates
    // No cut can come before the minimum: those bytes are not even hashed.
    let i = Math.max(pos, Math.min(buf.length, start + CHUNK_MIN))
    const max = Math.min(buf.length, start + CHUNK_MAX)
    let h = this.#hash
    for (; i < max; i++) {
      h = ((h << 1) + GEAR[buf[i]]) | 0
      if ((h & CUT_MASK) === 0) return i + 1
    }
    if (i - start === CHUNK_MAX) return i
    this.#hash = h
    this.#length += buf.length - pos
    return -1
  }
}
