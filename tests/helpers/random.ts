/** mulberry32: a tiny, fast, seeded PRNG returning [0, 1); the same seed gives the same numbers. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** `size` bytes from prng(seed): the same seed gives the same bytes. */
export function randomBytes(size: number, seed: number): Buffer {
  const next = prng(seed)
  const buf = Buffer.alloc(Math.ceil(size / 4) * 4)
  for (let i = 0; i < buf.length; i += 4) buf.writeUInt32LE(Math.floor(next() * 2 ** 32) >>> 0, i)
  return buf.subarray(0, size)
}
