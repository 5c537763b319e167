// Builds version N+1 of an atomic folder in a staging directory, next to the complete version N the
// user sees (see atomic-versions.ts for the layout). Nothing here touches version N:
// - a file the diff does not change, and the user did not edit, is hard-linked from N (same bytes,
//   no copy; a real copy where links are not possible, e.g. across devices);
// - a changed or new file is written with the safe writer (validated path, temp file, fsync) and
//   checked against the hash the publisher recorded; a mismatch aborts the whole update;
// - a deleted file is simply not carried over;
// - files the user made here (not from the drive) are carried over; one that is in the way of a
//   remote file, and a drive file the user edited, are kept as conflict copies. The edited file is
//   not linked (an edit to a link would change every version), the drive's content is written instead.
import fs from 'node:fs/promises'
import path from 'node:path'
import type { Stats } from 'node:fs'
import type Hyperdrive from 'hyperdrive'
import type { RemoteChange } from '../receive/remote-apply.ts'
import type { IndexEntry, LocalIndex } from '../fs/local-index.ts'
import { writeFileAtomic, writeSymlinkAtomic, syncDirs, conflictCopyName, ensureParentDirs } from '../fs/safe-write.ts'
import { pathInside, show } from '../fs/paths.ts'
import { readContent, readEntry, isStalled } from '../drive/drive-entry.ts'
import { readMetadata, entrySize } from '../drive/drive-metadata.ts'
import { atomicTestHooks } from './atomic-versions.ts'
import type { FileAction } from '../../../shared/events.ts'
import { ShoalError, toShoalError } from '../../../shared/errors.ts'
import { adoptIfSame, unchangedSince } from '../fs/file-identity.ts'

export interface BuildOptions {
  snapshot: Hyperdrive
  /** Complete current version (read only). */
  from: string
  /** Empty staging directory for the new version. */
  staging: string
  changes: RemoteChange[]
  /** Index of the current version. */
  index: LocalIndex
  device: string
  /** How long a read waits for a peer to send a block (drive-entry.ts readContent). */
  stallMs: number
  isClosing(): boolean
  onStart(files: number, bytes: number): void
  onFile(drivePath: string, bytes: number): void
  onEvent(drivePath: string, action: FileAction, detail?: string): void
}

async function* walk(root: string, rel = ''): AsyncGenerator<{ rel: string; abs: string; st: Stats }> {
  const dir = rel ? path.join(root, ...rel.split('/')) : root
  for (const name of await fs.readdir(dir)) {
    const r = rel ? `${rel}/${name}` : name
    const abs = path.join(dir, name)
    const st = await fs.lstat(abs)
    if (st.isDirectory()) yield* walk(root, r)
    else if (st.isFile() || st.isSymbolicLink()) yield { rel: r, abs, st }
  }
}

function closed(): ShoalError {
  return new ShoalError('INTERNAL', 'update stopped before it was complete; the folder stays at its current version')
}

/** Returns the index of the new version. Throws (leaving staging for the caller to discard) on any failure. */
export async function buildVersion(opts: BuildOptions): Promise<Map<string, IndexEntry>> {
  const { staging, snapshot } = opts
  const out = new Map<string, IndexEntry>()
  const dirs = new Set<string>([staging])
  // Folders are created level by level and checked (safe-write.ts), as in a live folder.
  const place = async (rel: string) => {
    const abs = pathInside(staging, rel)
    await ensureParentDirs(staging, rel)
    for (let d = path.dirname(abs); d.startsWith(staging); d = path.dirname(d)) dirs.add(d)
    return abs
  }
  const byRel = new Map(opts.changes.map((c) => [c.rel, c]))
  const toWrite = opts.changes.filter((c) => c.entry !== null)

  // 1. Carry over what the diff leaves alone.
  for await (const { rel, abs, st } of walk(opts.from)) {
    if (opts.isClosing()) throw closed()
    const drivePath = '/' + rel
    const known = opts.index.get(drivePath)
    const change = byRel.get(rel)
    const intact = known ? await unchangedSince(abs, st, known) : false
    if (known && intact) {
      if (change && !sameContent(known, change)) continue // replaced or deleted by the new version
      if (change) toWrite.splice(toWrite.indexOf(change), 1) // only metadata changed (or a re-check)
      await linkOrCopy(abs, await place(rel), st)
      out.set(drivePath, { ...known, ...(st.isFile() ? statFields(await fs.lstat(path.join(staging, ...rel.split('/')))) : {}) })
      continue
    }
    // A file already here with the new content (joined again into its own versions): adopted.
    if (!known && change?.entry && st.isFile() && (await adoptable(abs, change))) {
      await linkOrCopy(abs, await place(rel), st)
      const placed = await fs.lstat(path.join(staging, ...rel.split('/')))
      out.set(drivePath, { ...statFields(placed), mode: placed.mode & 0o777, hash: readMetadata(change.entry).hash!, kind: 'file' })
      toWrite.splice(toWrite.indexOf(change), 1)
      continue
    }
    // Edited here, or made here: the user's bytes survive, under a conflict name if the drive needs the name.
    const needsName = !!known || !!change?.entry
    const keptAs = needsName ? conflictCopyName(rel, opts.device, new Date()) : rel
    await linkOrCopy(abs, await place(keptAs), st, /* forceCopy */ !!known)
    if (known) {
      opts.onEvent(drivePath, 'conflict', `changed here, but an atomic folder is a read-only copy: your version is kept as ${keptAs}`)
      if (!change) {
        const found = await readEntry(snapshot, drivePath)
        if (found?.ok) toWrite.push({ drivePath, rel, entry: found.entry })
      }
    } else if (change?.entry) {
      opts.onEvent(drivePath, 'conflict', `local file kept as ${keptAs}`)
    }
  }

  // 2. Write what is new or changed, verified against the publisher's hashes.
  opts.onStart(toWrite.length, toWrite.reduce((sum, c) => sum + entrySize(c.entry ?? null), 0))
  const batch = { dirsToSync: new Set<string>() }
  // Files in parallel first, links one by one after them: no file is written under a link.
  const isLink = (c: RemoteChange) => c.entry!.value.linkname !== null && c.entry!.value.linkname !== undefined
  const queue = [...toWrite.filter((c) => !isLink(c)), ...toWrite.filter(isLink)]
  const firstLink = queue.findIndex(isLink)
  const filesEnd = firstLink === -1 ? queue.length : firstLink
  let next = 0
  let written = 0
  let failedOnce = false
  const worker = async (end: number) => {
    while (next < end && !failedOnce) {
      if (opts.isClosing()) throw closed()
      const change = queue[next++]
      const entry = change.entry!
      try {
        if (isLink(change)) {
          await writeSymlinkAtomic(staging, change.rel, entry.value.linkname!)
          const st = await fs.lstat(path.join(staging, ...change.rel.split('/')))
          out.set(change.drivePath, { size: 0, mtimeMs: st.mtimeMs, ino: st.ino, mode: 0o777, hash: '', kind: 'symlink', linkname: entry.value.linkname! })
        } else {
          const meta = readMetadata(entry)
          const blob = entry.value.blob
          const size = entrySize(entry)
          const source = blob && size > 0 ? await readContent(snapshot, change.drivePath, blob, opts.stallMs) : new Uint8Array(0)
          const w = await writeFileAtomic(staging, change.rel, source, {
            executable: entry.value.executable,
            expectedSize: size,
            batch,
            ...(meta.mtime ? { mtimeMs: meta.mtime } : {}),
            ...(meta.hash ? { expectedHash: meta.hash } : {})
          })
          out.set(change.drivePath, { size: w.size, mtimeMs: w.mtimeMs, ino: w.ino, mode: w.mode & 0o777, hash: w.hash, kind: 'file' })
        }
        const isNew = !opts.index.has(change.drivePath)
        opts.onEvent(change.drivePath, isNew ? 'added' : 'changed')
      } catch (err) {
        if (isStalled(err)) {
          failedOnce = true
          throw new ShoalError('TIMEOUT', `No peer has the content of ${show(change.drivePath)} right now; the folder stays at its version and Shoal keeps asking`)
        }
        const e = toShoalError(err)
        // A name this OS cannot hold, a file in the way or content that is not what its entry
        // claims is refused, as in a normal folder; anything else (disk full, a closed drive)
        // fails the whole version.
        if ((e.code !== 'BAD_PATH' && e.code !== 'BAD_ENTRY') || opts.isClosing()) {
          failedOnce = true
          throw e
        }
        opts.onEvent(change.drivePath, 'refused', e.message)
      }
      opts.onFile(change.drivePath, entrySize(entry))
      await atomicTestHooks.onStagedFile?.(staging, ++written)
    }
  }
  // Every worker stops before this returns or throws: nothing writes to staging after the build ends.
  const results = await Promise.allSettled(Array.from({ length: 8 }, () => worker(filesEnd)))
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed) throw failed.reason
  await worker(queue.length)
  if (opts.isClosing()) throw closed()
  // 3. Make it durable before anyone can switch to it.
  for (const d of batch.dirsToSync) dirs.add(d)
  await syncDirs(dirs)
  return out
}

/** The new entry has the bytes (and kind and mode) of the file already here. */
function sameContent(known: IndexEntry, change: RemoteChange): boolean {
  const entry = change.entry
  if (!entry || known.kind !== 'file' || !known.hash || (entry.value.linkname !== null && entry.value.linkname !== undefined)) return false
  return readMetadata(entry).hash === known.hash && ((known.mode & 0o111) !== 0) === !!entry.value.executable
}

async function adoptable(abs: string, change: RemoteChange): Promise<boolean> {
  const hash = change.entry ? readMetadata(change.entry).hash : undefined
  if (!hash || !change.entry || (change.entry.value.linkname !== null && change.entry.value.linkname !== undefined)) return false
  return (await adoptIfSame(abs, await fs.lstat(abs), hash)) !== null
}

function statFields(st: Stats): Pick<IndexEntry, 'size' | 'mtimeMs' | 'ino'> {
  return { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino }
}

/** Hard link (same bytes, no copy); a copy across devices or where links are not allowed. */
async function linkOrCopy(src: string, dst: string, st: Stats, forceCopy = false): Promise<void> {
  if (st.isSymbolicLink()) {
    await fs.symlink(await fs.readlink(src), dst)
    return
  }
  if (!forceCopy) {
    try {
      await fs.link(src, dst)
      return
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EMLINK') throw err
    }
  }
  await fs.copyFile(src, dst)
  await fs.utimes(dst, st.atime, st.mtime)
  const fh = await fs.open(dst, 'r')
  await fh.sync().finally(() => fh.close())
}
