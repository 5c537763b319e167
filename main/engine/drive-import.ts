import fs from 'node:fs/promises'
import path from 'node:path'
import { createHash } from 'node:crypto'
import type Hyperdrive from 'hyperdrive'
import type { Change } from './scanner.ts'
import type { IndexEntry } from './local-index.ts'
import type { FileMetadata } from './drive-metadata.ts'
import { COMMIT_KEY, type CommitMarker } from './history.ts'

// Publisher side: turns a list of local changes into one atomic drive batch. Content blocks are
// appended as files are read; the index entries become visible to peers together at flush().

const SMALL_FILE = 4 * 1024 * 1024
const READ_AHEAD = 16 // small files read in parallel while earlier ones are appended
const BLOB_BATCH_BYTES = 4 * 1024 * 1024

interface BlobBatch {
  bytes: number
  put(buf: Buffer): Promise<Hyperdrive.Blob>
  flush(): Promise<void>
}

export interface CommittedChange {
  change: Change
  /** Index entry describing what was actually stored (the file may have changed since the scan). */
  entry?: IndexEntry
  skipped?: string
}

const absolute = (root: string, drivePath: string) => path.join(root, ...drivePath.split('/').filter(Boolean))

function metadataOf(entry: IndexEntry): FileMetadata {
  return { size: entry.size, mtime: entry.mtimeMs, mode: entry.mode, hash: entry.hash }
}

async function readSmall(file: string): Promise<{ buf: Buffer; stat: import('node:fs').Stats } | null> {
  const handle = await fs.open(file, 'r').catch(() => null)
  if (!handle) return null
  try {
    const stat = await handle.stat()
    if (!stat.isFile() || stat.size > SMALL_FILE) return null
    const buf = await handle.readFile()
    return { buf, stat }
  } finally {
    await handle.close()
  }
}

async function appendLarge(blobs: { createWriteStream(opts?: unknown): NodeJS.WritableStream & { id: Hyperdrive.Blob } }, file: string) {
  const handle = await fs.open(file, 'r')
  try {
    const stat = await handle.stat()
    const hash = createHash('sha256')
    const ws = blobs.createWriteStream()
    const done = new Promise<void>((resolve, reject) => {
      ws.on('finish', () => resolve())
      ws.on('close', () => resolve())
      ws.on('error', reject)
    })
    let size = 0
    for await (const chunk of handle.createReadStream({ highWaterMark: 64 * 1024, autoClose: false })) {
      hash.update(chunk as Buffer)
      size += (chunk as Buffer).length
      if (!ws.write(chunk as Buffer)) await new Promise((r) => ws.once('drain', r))
    }
    ws.end()
    await done
    return { blob: ws.id, stat, size, hash: hash.digest('hex') }
  } finally {
    await handle.close()
  }
}

function toIndexEntry(stat: import('node:fs').Stats, size: number, hash: string): IndexEntry {
  return { size, mtimeMs: stat.mtimeMs, ino: stat.ino, mode: stat.mode & 0o777, hash, kind: 'file' }
}

export async function commitChanges(drive: Hyperdrive, root: string, changes: Change[]): Promise<CommittedChange[]> {
  const blobs = (await drive.getBlobs()) as unknown as Parameters<typeof appendLarge>[0] & { batch(): BlobBatch }
  // Small files' blocks go into the content core in groups: one append (one signature, one
  // storage write) per few MiB instead of one per file.
  const blobBatch = blobs.batch()
  const batch = drive.batch()
  const results: CommittedChange[] = []
  const pending = new Map<number, Promise<Awaited<ReturnType<typeof readSmall>>>>()
  const fileChanges = changes.map((c, i) => ({ c, i })).filter(({ c }) => (c.type === 'add' || c.type === 'change') && c.entry.kind === 'file')
  let next = 0
  const prefetch = (upTo: number) => {
    while (next < fileChanges.length && next < upTo) {
      const { c, i } = fileChanges[next++]
      if (c.type === 'add' || c.type === 'change') pending.set(i, readSmall(absolute(root, c.path)).catch(() => null))
    }
  }
  let fileSeen = 0
  try {
    for (let i = 0; i < changes.length; i++) {
      const change = changes[i]
      if (change.type === 'delete') {
        await batch.del(change.path)
        results.push({ change })
        continue
      }
      if (change.type === 'touch') {
        results.push({ change, entry: change.entry })
        continue
      }
      if (change.type === 'rename') {
        // A move keeps the stored content: only the index entry changes, nothing is re-uploaded.
        const old = await drive.entry(change.from)
        if (old && old.value.blob && change.entry.kind === 'file') {
          await batch.putEntry(change.path, { blob: old.value.blob, executable: (change.entry.mode & 0o111) !== 0, metadata: metadataOf(change.entry) })
          await batch.del(change.from)
          results.push({ change, entry: change.entry })
          continue
        }
        await batch.del(change.from)
      }
      const entry = change.entry
      if (entry.kind === 'symlink') {
        await batch.symlink(change.path, entry.linkname ?? '', { metadata: metadataOf(entry) })
        results.push({ change, entry })
        continue
      }
      // Regular file (add, change, or a rename whose old content is not in the drive).
      fileSeen++
      prefetch(fileSeen + READ_AHEAD)
      const small = pending.has(i) ? await pending.get(i)! : await readSmall(absolute(root, change.path)).catch(() => null)
      pending.delete(i)
      let stored: IndexEntry
      if (small) {
        const hash = createHash('sha256').update(small.buf).digest('hex')
        stored = toIndexEntry(small.stat, small.buf.length, hash)
        const blob = await blobBatch.put(small.buf)
        if (blobBatch.bytes >= BLOB_BATCH_BYTES) await blobBatch.flush()
        await batch.putEntry(change.path, { blob, executable: (stored.mode & 0o111) !== 0, metadata: metadataOf(stored) })
      } else {
        const exists = await fs.lstat(absolute(root, change.path)).catch(() => null)
        if (!exists || !exists.isFile()) {
          results.push({ change, skipped: 'disappeared before it could be read' })
          continue
        }
        await blobBatch.flush() // a stream appends at the current end of the core
        const large = await appendLarge(blobs, absolute(root, change.path))
        stored = toIndexEntry(large.stat, large.size, large.hash)
        await batch.putEntry(change.path, { blob: large.blob, executable: (stored.mode & 0o111) !== 0, metadata: metadataOf(stored) })
      }
      results.push({ change, entry: stored })
    }
    await blobBatch.flush()
    // The marker closes the batch: its position is the version number users see (history.ts).
    const marker: CommitMarker = { time: Date.now(), changes: results.filter((r) => !r.skipped && r.change.type !== 'touch').length }
    if (marker.changes > 0) await batch.db.put(COMMIT_KEY, marker)
    await batch.flush()
  } catch (err) {
    await batch.close().catch(() => {})
    throw err
  }
  return results
}
