import path from 'node:path'
import { createHash } from 'node:crypto'
import type { Stats } from 'node:fs'
import type Hyperdrive from 'hyperdrive'
import { BLOCK_BYTES, streamDone, writeChunk } from './write-stream.ts'
import { contentChunks, READ_BYTES } from './content-chunks.ts'
import { ScanCancelled, type Change } from '../fs/scanner.ts'
import { UnreadableFile, withRegularFile } from '../fs/file-read.ts'
import type { IndexEntry } from '../fs/local-index.ts'
import type { FileMetadata } from './drive-metadata.ts'
import { latestNumber, versionKey, type CommitMarker } from './version-numbers.ts'
import { letGo } from '../../../shared/let-go.ts'

// Publisher side: turns a list of local changes into one atomic drive batch. Content blocks are
// appended as files are read; the index entries become visible to peers together at flush().
// Files are read through file-read.ts: only regular files, never past the size they had when
// opened, so a file that turned into a FIFO or a /proc view is skipped instead of stalling.

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

/** A file's content in memory, a file too large for that, or why it was not read. Never rejects. */
type SmallRead = { buf: Buffer; stat: Stats } | { large: true } | { skipped: string } | { error: unknown }

async function readSmall(file: string): Promise<SmallRead> {
  try {
    return await withRegularFile(file, {}, async (f): Promise<SmallRead> => (f.stat.size > SMALL_FILE ? { large: true } : { buf: await f.readAll(), stat: f.stat }))
  } catch (err) {
    return unread(err)
  }
}

/** Files that cannot be read now are skipped (the next scan sees them again); other errors stop the commit. */
function unread(err: unknown): { skipped: string } | { error: unknown } {
  if (err instanceof UnreadableFile) return { skipped: err.reason }
  const code = (err as NodeJS.ErrnoException)?.code
  if (code === 'ENOENT' || code === 'ENOTDIR') return { skipped: 'disappeared before it could be read' }
  return { error: err }
}

type BlobWriter = NodeJS.WritableStream & { id: Hyperdrive.Blob; destroy(err?: Error): void }

/**
 * Streams a large file into the content core, in blocks cut where its content says
 * (content-chunks.ts). Given the blob of the file's version before, blocks that did not change are
 * not stored again: the new blob is a block map that reuses them, so an edit of a big file, an
 * insert or a deletion too, stores and sends only the blocks around it (a reader, Shoal or a plain
 * Hyperdrive 13.3, reads the map and then the blocks it lists).
 */
async function appendLarge(blobs: { createWriteStream(opts?: unknown): BlobWriter }, file: string, checkStop: () => void, previous: Hyperdrive.Blob | null) {
  return withRegularFile(file, {}, async (f) => {
    const hash = createHash('sha256')
    const ws = blobs.createWriteStream(previous ? { dedup: true, blob: previous } : {})
    const done = streamDone(ws)
    let size = 0
    try {
      for await (const chunk of contentChunks(f.chunks(READ_BYTES, { checkStop }))) {
        hash.update(chunk)
        size += chunk.length
        await writeChunk(ws, chunk, done)
      }
    } catch (err) {
      // The blocks appended so far are never referenced by an entry: wasted space, not content.
      ws.destroy()
      await done.catch(letGo) // the stream's own error, if any, is reported as this one
      throw err
    }
    ws.end()
    await done
    return { blob: ws.id, stat: f.stat, size, hash: hash.digest('hex') }
  })
}

/** The content of the version a changed file had, when there is some to reuse. */
async function previousBlob(drive: Hyperdrive, drivePath: string): Promise<Hyperdrive.Blob | null> {
  const prev = await drive.entry(drivePath)
  const blob = prev?.value.blob
  return blob && !prev.value.linkname && blob.byteLength > 0 ? blob : null
}

function toIndexEntry(stat: Stats, size: number, hash: string): IndexEntry {
  return { size, mtimeMs: stat.mtimeMs, ino: stat.ino, mode: stat.mode & 0o777, hash, kind: 'file' }
}

/** `isCancelled` (the folder pauses or closes) stops between files, and inside a large one, committing nothing. */
export async function commitChanges(drive: Hyperdrive, root: string, changes: Change[], isCancelled: () => boolean = () => false): Promise<CommittedChange[]> {
  const checkStop = () => {
    if (isCancelled()) throw new ScanCancelled()
  }
  const blobs = (await drive.getBlobs()) as unknown as Parameters<typeof appendLarge>[0] & { batch(): BlobBatch; blockSize: number }
  blobs.blockSize = BLOCK_BYTES // small files' put() splits by it (large ones are cut by content)
  // Small files' blocks go into the content core in groups: one append (one signature, one
  // storage write) per few MiB instead of one per file.
  const blobBatch = blobs.batch()
  const batch = drive.batch()
  const results: CommittedChange[] = []
  const pending = new Map<number, Promise<SmallRead>>()
  const fileChanges = changes.map((c, i) => ({ c, i })).filter(({ c }) => (c.type === 'add' || c.type === 'change') && c.entry.kind === 'file')
  let next = 0
  const prefetch = (upTo: number) => {
    while (next < fileChanges.length && next < upTo) {
      const { c, i } = fileChanges[next++]
      if (c.type === 'add' || c.type === 'change') pending.set(i, readSmall(absolute(root, c.path)))
    }
  }
  let fileSeen = 0
  try {
    for (let i = 0; i < changes.length; i++) {
      checkStop()
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
      const small = pending.has(i) ? await pending.get(i)! : await readSmall(absolute(root, change.path))
      pending.delete(i)
      if ('error' in small) throw small.error
      if ('skipped' in small) {
        results.push({ change, skipped: small.skipped })
        continue
      }
      let stored: IndexEntry
      if ('buf' in small) {
        const hash = createHash('sha256').update(small.buf).digest('hex')
        stored = toIndexEntry(small.stat, small.buf.length, hash)
        const blob = await blobBatch.put(small.buf)
        if (blobBatch.bytes >= BLOB_BATCH_BYTES) await blobBatch.flush()
        await batch.putEntry(change.path, { blob, executable: (stored.mode & 0o111) !== 0, metadata: metadataOf(stored) })
      } else {
        await blobBatch.flush() // a stream appends at the current end of the core
        let large: Awaited<ReturnType<typeof appendLarge>>
        try {
          large = await appendLarge(blobs, absolute(root, change.path), checkStop, change.type === 'change' ? await previousBlob(drive, change.path) : null)
        } catch (err) {
          if (err instanceof ScanCancelled) throw err
          const why = unread(err)
          if ('error' in why) throw why.error
          results.push({ change, skipped: why.skipped })
          continue
        }
        stored = toIndexEntry(large.stat, large.size, large.hash)
        await batch.putEntry(change.path, { blob: large.blob, executable: (stored.mode & 0o111) !== 0, metadata: metadataOf(stored) })
      }
      results.push({ change, entry: stored })
    }
    await blobBatch.flush()
    // The marker closes the batch and numbers the version users see (version-numbers.ts).
    const marker: CommitMarker = { time: Date.now(), changes: results.filter((r) => !r.skipped && r.change.type !== 'touch').length }
    if (marker.changes > 0) await batch.db.put(versionKey((await latestNumber(drive)) + 1), marker)
    await batch.flush()
  } catch (err) {
    await batch.close().catch(letGo) // already failing: the batch's error is the one to report
    throw err
  }
  return results
}
