// Content hashes identify file versions in the index and pair deletes with adds into renames.
import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'

// Large files stream through a buffer of at most 1 MiB; small files get a buffer their size,
// since allocating 1 MiB per file makes hashing thousands of small files several times slower.
const MAX_CHUNK = 1024 * 1024
const MIN_CHUNK = 16 * 1024

/** SHA-256 (hex) of a file's bytes, read in chunks so large files never sit in memory. */
export async function hashFile(abs: string): Promise<string> {
  const hash = createHash('sha256')
  const fh = await open(abs, 'r')
  try {
    const { size } = await fh.stat()
    const buf = Buffer.allocUnsafe(Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, size + 1)))
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null)
      if (bytesRead === 0) break
      hash.update(buf.subarray(0, bytesRead))
    }
  } finally {
    await fh.close()
  }
  return hash.digest('hex')
}

/** SHA-256 (hex) of an in-memory buffer or string (UTF-8). */
export function hashBuffer(buf: Uint8Array | string): string {
  return createHash('sha256').update(buf).digest('hex')
}
