import { createHash } from 'node:crypto'
import { describe, it, expect } from 'vitest'
import { contentChunks, CHUNK_MAX, CHUNK_MIN } from '../../main/engine/drive/content-chunks.ts'
import { prng, randomBytes } from '../helpers/random.ts'

// Where a big file's content is cut into blocks: the same bytes give the same blocks however the
// file is read, blocks stay within the bounds, and an insert or a deletion changes only the blocks
// around it (so the new version reuses the others).

const MIB = 1024 * 1024
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

/** Yields `data` in pieces whose sizes come from `sizeOf` (as reads of a file would). */
async function* pieces(data: Buffer, sizeOf: () => number): AsyncGenerator<Buffer> {
  for (let pos = 0; pos < data.length; ) {
    const n = Math.min(data.length - pos, sizeOf())
    yield data.subarray(pos, pos + n)
    pos += n
  }
}

async function blocksOf(data: Buffer, sizeOf: () => number = () => MIB): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for await (const block of contentChunks(pieces(data, sizeOf))) out.push(block)
  return out
}

const lengths = (blocks: Uint8Array[]) => blocks.map((b) => b.length)

/** Blocks of `after` that `before` does not have, and their bytes (what a new version stores and sends). */
function newBlocks(before: Uint8Array[], after: Uint8Array[]): { count: number; bytes: number } {
  const known = new Set(before.map(sha))
  const fresh = after.filter((b) => !known.has(sha(b)))
  return { count: fresh.length, bytes: fresh.reduce((s, b) => s + b.length, 0) }
}

describe('content-defined blocks', () => {
  const data = randomBytes(16 * MIB + 12345, 1)

  it('are the same whatever the read sizes', async () => {
    const whole = await blocksOf(data, () => data.length)
    const rand = prng(2)
    for (const sizeOf of [() => MIB, () => 4096, () => 1 + Math.floor(rand() * 200_000), () => CHUNK_MIN, () => 3 * MIB + 1]) {
      const blocks = await blocksOf(data, sizeOf)
      expect(lengths(blocks)).toEqual(lengths(whole))
      expect(blocks.map(sha)).toEqual(whole.map(sha))
    }
    expect(sha(Buffer.concat(whole))).toBe(sha(data))
  })

  it('stay within the minimum and maximum, around 256 KiB for random content', async () => {
    const blocks = await blocksOf(data)
    const sizes = lengths(blocks)
    for (const s of sizes.slice(0, -1)) {
      expect(s).toBeGreaterThanOrEqual(CHUNK_MIN)
      expect(s).toBeLessThanOrEqual(CHUNK_MAX)
    }
    const mean = data.length / blocks.length
    const sorted = [...sizes].sort((x, y) => x - y)
    console.log(`content chunks: ${blocks.length} blocks, mean ${(mean / 1024).toFixed(0)} KiB, p10 ${(sorted[Math.floor(sorted.length * 0.1)] / 1024).toFixed(0)} KiB, p90 ${(sorted[Math.floor(sorted.length * 0.9)] / 1024).toFixed(0)} KiB`)
    expect(mean).toBeGreaterThan(200 * 1024)
    expect(mean).toBeLessThan(360 * 1024)
    // Content without cut points (all zeros) is cut at the maximum; a tail shorter than the minimum is one block.
    expect(lengths(await blocksOf(Buffer.alloc(3 * MIB + 10)))).toEqual([CHUNK_MAX, CHUNK_MAX, CHUNK_MAX, 10])
    expect(lengths(await blocksOf(data.subarray(0, 1000)))).toEqual([1000])
    expect(await blocksOf(Buffer.alloc(0))).toEqual([])
  })

  it('an insert or a deletion changes only the blocks around it', async () => {
    const before = await blocksOf(data)
    const inserted = Buffer.concat([data.subarray(0, 1000), randomBytes(100, 3), data.subarray(1000)])
    const deleted = Buffer.concat([data.subarray(0, 8 * MIB + 777), data.subarray(8 * MIB + 300_777)])
    const insertedMiddle = Buffer.concat([data.subarray(0, 5 * MIB), randomBytes(5000, 4), data.subarray(5 * MIB)])
    for (const [what, after] of [['insert at 1000', inserted], ['300,000 bytes deleted at 8 MiB', deleted], ['insert at 5 MiB', insertedMiddle]] as const) {
      const fresh = newBlocks(before, await blocksOf(after, () => 100_000))
      console.log(`content chunks, ${what}: ${fresh.count} new blocks, ${fresh.bytes} bytes`)
      expect(fresh.count).toBeLessThanOrEqual(2)
      expect(fresh.bytes).toBeLessThanOrEqual(2 * CHUNK_MAX)
    }
  })
})
