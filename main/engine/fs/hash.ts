// Content hashes identify file versions in the index and pair deletes with adds into renames.
import { createHash } from 'node:crypto'
import { withRegularFile, type ReadOptions } from './file-read.ts'

// Large files stream through buffers of at most 1 MiB; small files get a buffer about their size
// (file-read.ts), since 1 MiB per file makes hashing thousands of small files several times slower.
const MAX_CHUNK = 1024 * 1024

/**
 * SHA-256 (hex) of a regular file's bytes, read in chunks so large files never sit in memory.
 * Throws UnreadableFile (file-read.ts) for anything that is not a regular file of honest size,
 * or that changed while it was read: it never blocks, and it always ends.
 */
export async function hashFile(abs: string, opts: ReadOptions = {}): Promise<string> {
  const hash = createHash('sha256')
  await withRegularFile(abs, opts, async (file) => {
    for await (const chunk of file.chunks(MAX_CHUNK, opts)) hash.update(chunk)
  })
  return hash.digest('hex')
}

/** SHA-256 (hex) of an in-memory buffer or string (UTF-8). */
export function hashBuffer(buf: Uint8Array | string): string {
  return createHash('sha256').update(buf).digest('hex')
}
