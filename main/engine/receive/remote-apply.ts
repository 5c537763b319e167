import fs from 'node:fs/promises'
import path from 'node:path'
import type { Stats } from 'node:fs'

import type Hyperdrive from 'hyperdrive'
import type { LocalIndex } from '../fs/local-index.ts'
import { resolveInside } from '../fs/paths.ts'
import { writeFileAtomic, writeSymlinkAtomic, setExecutable, keepAsConflictCopy, removeFileSafely, moveFileSafely, pruneEmptyParents, syncDirs } from '../fs/safe-write.ts'
import { readMetadata, entrySize } from '../drive/drive-metadata.ts'
import { readContent, isStalled } from '../drive/drive-entry.ts'
import type { FileAction } from '../../../shared/events.ts'
import { ShoalError, toShoalError } from '../../../shared/errors.ts'
import { adoptIfSame, unchangedSince, execBitChanged } from '../fs/file-identity.ts'
import { orNull } from '../../../shared/let-go.ts'

// Writes one diff of a remote drive into a local folder. The rules that keep user data safe:
// - only files this device wrote from the drive (in the index, unchanged since) are replaced or deleted;
// - a local edit is kept as a conflict copy before the remote version takes the name;
// - an unknown local file with the same content is adopted, not downloaded again;
// - every write is temp file + fsync + rename (safe-write.ts);
// - the shape of the folder changes in phases that never overlap: moves and deletes (which may
//   remove folders) one by one, then file writes in parallel (which only create real folders),
//   then links one by one. So a folder that a write checked cannot turn into a link meanwhile,
//   and no file is ever written under a link made by the same version.

export interface RemoteChange {
  drivePath: string
  /** Validated POSIX relative path. */
  rel: string
  /** New entry (checked by drive-entry.ts), or null when the file was deleted. */
  entry: Hyperdrive.Entry | null
}

export interface ApplyOptions {
  root: string
  /** Shared by every write of this diff (see WriteOptions.batch in safe-write.ts). */
  batch: { dirsToSync: Set<string> }
  index: LocalIndex
  device: string
  concurrency?: number
  isClosing(): boolean
  onStart(files: number, bytes: number): void
  onFileStart(drivePath: string, bytes: number): void
  /** A file is done (written, moved, adopted or refused). */
  onFile(drivePath: string): void
  /** Bytes of content moved into place, counted as they are written. */
  onBytes(bytes: number): void
  onEvent(drivePath: string, action: FileAction, detail?: string): void
  /** How long a read of content waits for a peer to send a block (drive-entry.ts readContent). */
  stallMs: number
  /** Aborted when the folder pauses or closes: reads waiting for blocks end at once. */
  signal?: AbortSignal
  /** No peer sent the content of this file in time: it is owed, and retried by the caller later. */
  onMissing(drivePath: string): void
}

/** Files written, and bytes still to write, when a pass stopped (e.g. on a full disk). */
export interface ApplyTally {
  filesWritten: number
  bytesLeft: number
}

async function lstatOrNull(abs: string): Promise<Stats | null> {
  return fs.lstat(abs).catch(orNull) // not there: null
}

export async function applyRemoteChanges(snapshot: Hyperdrive, changes: RemoteChange[], opts: ApplyOptions, tally: ApplyTally = { filesWritten: 0, bytesLeft: 0 }): Promise<void> {
  const { index } = opts
  const deletes = changes.filter((c) => c.entry === null)
  const puts = changes.filter((c) => c.entry !== null)
  opts.onStart(puts.length, puts.reduce((sum, c) => sum + entrySize(c.entry ?? null), 0))

  // Renames: a new path with the content of a file deleted in the same diff is a local move.
  const moved = await applyMoves(deletes, puts, opts)

  // Deletes first, so a file that became a folder (or the reverse) has its name free.
  for (const change of deletes) {
    if (opts.isClosing()) return
    if (moved.has(change)) continue
    await applyDelete(change, opts).catch((err) => opts.onEvent(change.drivePath, 'refused', toShoalError(err).message))
  }

  const isLink = (c: RemoteChange) => c.entry?.value.linkname !== null && c.entry?.value.linkname !== undefined
  const toWrite = puts.filter((c) => !moved.has(c) && !isLink(c))
  const links = puts.filter((c) => !moved.has(c) && isLink(c))
  for (const change of moved) {
    if (!change.entry) continue
    opts.onBytes(entrySize(change.entry))
    opts.onFile(change.drivePath)
  }
  let next = 0
  let flushed = Date.now()
  tally.bytesLeft = toWrite.reduce((sum, c) => sum + entrySize(c.entry ?? null), 0)
  let full: ShoalError | null = null
  const worker = async () => {
    while (next < toWrite.length && !opts.isClosing() && !full) {
      const change = toWrite[next++]
      const size = entrySize(change.entry ?? null)
      opts.onFileStart(change.drivePath, size)
      let written = 0
      try {
        written = await applyPut(snapshot, change, opts)
        tally.filesWritten++
        tally.bytesLeft -= size
      } catch (err) {
        if (opts.isClosing()) return
        if (isStalled(err)) {
          opts.onMissing(change.drivePath)
          continue
        }
        const e = toShoalError(err)
        if (e.code === 'DISK_FULL') {
          // Every worker stops; the caller reports how much is written and retries when there is space.
          full = e
          return
        }
        tally.bytesLeft -= size
        opts.onEvent(change.drivePath, 'refused', e.message)
      }
      // Files not written (already here, refused) still count as done, with their full size.
      if (written < size) opts.onBytes(size - written)
      opts.onFile(change.drivePath)
      // Persist progress now and then so a restart mid-download does not re-check everything.
      if (Date.now() - flushed > 1000) {
        flushed = Date.now()
        await index.flush()
      }
    }
  }
  await Promise.all(Array.from({ length: opts.concurrency ?? 8 }, worker))
  if (full) {
    await syncDirs(opts.batch.dirsToSync)
    await index.flush()
    throw full
  }
  // Links last, one at a time: nothing is written into the folder while they change its shape.
  for (const change of links) {
    if (opts.isClosing()) return
    opts.onFileStart(change.drivePath, 0)
    await applyLink(change, opts).catch((err) => opts.onEvent(change.drivePath, 'refused', toShoalError(err).message))
    opts.onFile(change.drivePath)
  }
  await syncDirs(opts.batch.dirsToSync)
  opts.batch.dirsToSync.clear()

}

/** Moves files this device wrote (and the user left alone) to their new names; returns the changes done. */
async function applyMoves(deletes: RemoteChange[], puts: RemoteChange[], opts: ApplyOptions): Promise<Set<RemoteChange>> {
  const done = new Set<RemoteChange>()
  if (deletes.length === 0) return done
  const byHash = new Map<string, RemoteChange[]>()
  for (const del of deletes) {
    const known = opts.index.get(del.drivePath)
    if (known?.kind !== 'file' || !known.hash) continue
    byHash.set(known.hash, [...(byHash.get(known.hash) ?? []), del])
  }
  for (const put of puts) {
    if (opts.isClosing()) break
    const hash = readMetadata(put.entry).hash
    const candidates = hash ? byHash.get(hash) : undefined
    const del = candidates?.shift()
    if (!del || put.entry?.value.linkname || opts.index.has(put.drivePath)) continue
    try {
      const from = await resolveInside(opts.root, del.rel)
      const stat = await lstatOrNull(from)
      const known = opts.index.get(del.drivePath)!
      if (!stat || !(await unchangedSince(from, stat, known))) continue
      if (((known.mode & 0o111) !== 0) !== put.entry!.value.executable) continue
      if (!(await moveFileSafely(opts.root, del.rel, put.rel))) continue
      await pruneEmptyParents(opts.root, del.rel)
      opts.batch.dirsToSync.add(path.dirname(from))
      opts.batch.dirsToSync.add(path.dirname(await resolveInside(opts.root, put.rel)))
      opts.index.delete(del.drivePath)
      opts.index.set(put.drivePath, { ...known, mode: put.entry!.value.executable ? 0o755 : 0o644 })
      done.add(del).add(put)
      opts.onEvent(put.drivePath, 'renamed', del.drivePath)
    } catch {
      // Not movable (a path changed under us): the normal delete and write handle it.
    }
  }
  return done
}

/** A link from the drive (its target is checked by writeSymlinkAtomic); a local edit in the way is kept aside. */
async function applyLink(change: RemoteChange, opts: ApplyOptions): Promise<void> {
  const { root, index } = opts
  const linkname = change.entry!.value.linkname!
  const abs = await resolveInside(root, change.rel)
  const known = index.get(change.drivePath)
  const stat = await lstatOrNull(abs)
  if (stat && !(await unchangedSince(abs, stat, known))) {
    if (stat.isDirectory()) throw new ShoalError('BAD_PATH', `a local folder is in the way of the link ${change.drivePath}`, { path: change.drivePath })
    const kept = await keepAsConflictCopy(root, change.rel, opts.device)
    opts.onEvent(change.drivePath, 'conflict', `local file kept as ${kept}`)
  }
  await writeSymlinkAtomic(root, change.rel, linkname)
  const after = await fs.lstat(abs)
  index.set(change.drivePath, { size: 0, mtimeMs: after.mtimeMs, ino: after.ino, mode: 0o777, hash: '', kind: 'symlink', linkname })
  opts.onEvent(change.drivePath, known ? 'changed' : 'added')
}

async function applyDelete(change: RemoteChange, opts: ApplyOptions): Promise<void> {
  const { root, index } = opts
  const known = index.get(change.drivePath)
  // Never delete what we did not write: a file the user made keeps living under that name.
  if (!known) return
  const abs = await resolveInside(root, change.rel)
  const stat = await lstatOrNull(abs)
  index.delete(change.drivePath)
  if (!stat) return
  if (await unchangedSince(abs, stat, known)) {
    await removeFileSafely(root, change.rel)
    opts.onEvent(change.drivePath, 'deleted')
  } else {
    // Edit beats delete: the user's version stays where it is.
    opts.onEvent(change.drivePath, 'conflict', 'changed here but deleted by the publisher; kept the local file')
  }
}

/** Returns the bytes it wrote (and reported through onBytes). */
async function applyPut(snapshot: Hyperdrive, change: RemoteChange, opts: ApplyOptions): Promise<number> {
  const { root, index } = opts
  const entry = change.entry!
  const meta = readMetadata(entry)
  const abs = await resolveInside(root, change.rel)
  const known = index.get(change.drivePath)
  const stat = await lstatOrNull(abs)
  const isNew = !known

  let detail: string | undefined
  if (stat) {
    if (stat.isDirectory()) throw new ShoalError('BAD_PATH', `a local folder is in the way of the file ${change.drivePath}; rename it to receive the file`, { path: change.drivePath })
    const unchanged = await unchangedSince(abs, stat, known)
    if (unchanged && known && meta.hash && known.hash === meta.hash) {
      // Same content already on disk: nothing to download; a publisher's chmod is applied here.
      const executable = !!entry.value.executable
      if ((known.mode & 0o111) !== 0 !== executable || (stat.mode & 0o111) !== 0 !== executable) {
        const mode = await setExecutable(root, change.rel, executable)
        const after = await fs.lstat(abs)
        index.set(change.drivePath, { ...known, mode, mtimeMs: after.mtimeMs, ino: after.ino, size: after.size })
        opts.onEvent(change.drivePath, 'changed', execBitChanged(stat, known) ? "permissions changed here were replaced by the publisher's" : 'permissions')
      }
      return 0
    }
    // A local chmod is a local change (listed by 'shoal changes'): the bytes are the publisher's
    // anyway, so the new version replaces the file, and says that the permissions went back.
    if (unchanged && known && execBitChanged(stat, known)) detail = "permissions changed here were replaced by the publisher's"
    if (!unchanged) {
      const adopted = await adoptIfSame(abs, stat, meta.hash)
      if (adopted) {
        // A file the user already has with the same content (joining into a populated folder).
        index.set(change.drivePath, adopted)
        opts.onEvent(change.drivePath, isNew ? 'added' : 'changed', 'already here with the same content')
        return 0
      }
      const kept = await keepAsConflictCopy(root, change.rel, opts.device)
      opts.onEvent(change.drivePath, 'conflict', `local version kept as ${kept}`)
    }
  }

  const blob = entry.value.blob
  const size = entrySize(entry)
  const source = blob && size > 0 ? await readContent(snapshot, change.drivePath, blob, opts.stallMs, opts.signal) : new Uint8Array(0)
  const written = await writeFileAtomic(root, change.rel, source, {
    executable: entry.value.executable,
    batch: opts.batch,
    onBytes: opts.onBytes,
    expectedSize: size,
    ...(meta.mtime ? { mtimeMs: meta.mtime } : {}),
    ...(meta.hash ? { expectedHash: meta.hash } : {})
  })
  index.set(change.drivePath, { size: written.size, mtimeMs: written.mtimeMs, ino: written.ino, mode: written.mode & 0o777, hash: written.hash, kind: 'file' })
  opts.onEvent(change.drivePath, isNew ? 'added' : 'changed', detail)
  return written.size
}


