// Makes the folder on disk match the view, with the receiver's safety rules (remote-apply.ts):
// - every path is validated for this OS before anything is written;
// - only what this device wrote or scanned (in the local index, unchanged since) is replaced or
//   deleted; anything else found in the way is handed back for a scan, so it becomes an op and
//   apply() decides (a conflict copy in the view) instead of the disk writer overwriting it;
// - writes are temp file + fsync + rename, checked against the content hash;
// - folders are removed only when empty (never recursively).
// A pass covers every path (full) or only the paths it is given (scope: what changed since the last
// pass, disk-pass.ts); the rules are the same either way.
import fs from 'node:fs/promises'
import type { Stats } from 'node:fs'
import path from 'node:path'
import type { LocalIndex, IndexEntry } from '../fs/local-index.ts'
import type { IgnoreRules } from '../fs/ignore-rules.ts'
import { validateRemotePath, resolveInside } from '../fs/paths.ts'
import { writeFileAtomic, writeSymlinkAtomic, syncDirs, makeDir, removeEmptyDir, removeFileSafely } from '../fs/safe-write.ts'
import { toShoalError } from '../../../shared/errors.ts'
import type { FileAction } from '../../../shared/events.ts'
import type { BlobStore } from './blobs.ts'
import { CONFLICT_NAME, identity, type FileEntry } from './ops.ts'
import { adoptIfSame, unchangedSince } from '../fs/file-identity.ts'
import { orNull } from '../../../shared/let-go.ts'
import { collisionReason, findCollisions, folds, type Folding } from '../fs/name-folding.ts'

export interface DiskWriterOptions {
  /**
   * The paths this pass is about (what changed in the view or on this device since the last pass,
   * and what earlier passes left owed); `tree` then holds the view's entries of just those paths.
   * Absent: a full pass, over every path of the view, the local index and `dirs`.
   */
  scope?: ReadonlySet<string>
  /** Files the view no longer has that stay on disk and in the index: deletes the mass-delete guard holds. */
  keep?: ReadonlySet<string>
  root: string
  index: LocalIndex
  /** Folders this device created or saw on disk (kept in the index meta). */
  dirs: Set<string>
  ignore: IgnoreRules | null
  blobs: BlobStore
  /** What this folder's filesystem treats as one name (fs/name-folding.ts); absent: nothing folds. */
  folding?: Folding
  isClosing(): boolean
  onEvent(p: string, action: FileAction, detail?: string): void
}

export interface DiskWriteResult {
  /** Local paths that differ from what we know: scan them (they become ops) before touching them. */
  rescan: string[]
  /** Files whose content has not arrived yet. */
  waiting: number
  written: number
  refused: Map<string, string>
  /** Paths looked at (index entries, folders, view entries): what a pass cost, whatever it wrote. */
  examined: number
  /** The files still waiting for their content. */
  waitingFor: string[]
  /** Folders the view no longer has that could not be removed yet (not empty). */
  heldDirs: string[]
  /** The folder paused or closed before the pass ended: what it did not reach is still owed. */
  interrupted: boolean
  /** `dirs` changed (worth saving). */
  dirsChanged: boolean
}

const lstatOrNull = (abs: string): Promise<Stats | null> => fs.lstat(abs).catch(orNull) // nothing there (or no longer)
const depth = (p: string) => p.split('/').length

function sameVersion(known: IndexEntry | undefined, e: FileEntry): boolean {
  return !!known && identity(known) === identity(e)
}

export async function writeViewToDisk(tree: Map<string, FileEntry>, opts: DiskWriterOptions): Promise<DiskWriteResult> {
  const { root, index, dirs, ignore } = opts
  const result: DiskWriteResult = { rescan: [], waiting: 0, written: 0, refused: new Map(), examined: 0, waitingFor: [], heldDirs: [], interrupted: false, dirsChanged: false }
  const rels = new Map<string, string>()
  for (const p of tree.keys()) {
    const check = validateRemotePath(p)
    if (check.ok) rels.set(p, check.rel)
    else result.refused.set(p, check.reason)
  }
  const ignored = (p: string, dir: boolean) => ignore?.ignores(p, dir) ?? false
  const batch = { dirsToSync: new Set<string>() }
  const { scope } = opts
  const stop = () => {
    result.interrupted = true
    return result
  }
  const addDir = (d: string) => {
    if (dirs.has(d)) return
    dirs.add(d)
    result.dirsChanged = true
  }

  // 1. Files we know that the view no longer has (or that became folders).
  const knownEntries = scope ? [...scope].flatMap((p): Array<[string, IndexEntry]> => (index.has(p) ? [[p, index.get(p)!]] : [])) : index.entries()
  for (const [p, known] of knownEntries) {
    if (opts.isClosing()) return stop()
    result.examined++
    const e = tree.get(p)
    if ((e && e.kind !== 'dir') || ignored(p, false) || result.refused.has(p) || opts.keep?.has(p)) continue
    try {
      const abs = await resolveInside(root, p.slice(1))
      const stat = await lstatOrNull(abs)
      if (!stat) index.delete(p)
      else if (await unchangedSince(abs, stat, known)) {
        // Folders are in the view explicitly: unlike remote-apply, leave the (maybe empty) parent.
        if (!stat.isDirectory()) await removeFileSafely(root, p.slice(1), { prune: false })
        index.delete(p)
        opts.onEvent(p, 'deleted')
      } else result.rescan.push(p) // edited here meanwhile: the edit wins once scanned
    } catch (err) {
      result.refused.set(p, toShoalError(err).message)
    }
  }

  // 2. Folders the view no longer has, deepest first, only when empty.
  const ourDirs = scope ? [...dirs].filter((d) => scope.has(d)) : [...dirs]
  for (const d of ourDirs.sort((a, b) => depth(b) - depth(a))) {
    result.examined++
    const e = tree.get(d)
    if (e?.kind === 'dir' || ignored(d, true)) continue
    try {
      const abs = await resolveInside(root, d.slice(1))
      // Not empty: local files we do not know are inside; they will be scanned and keep it.
      if ((await removeEmptyDir(root, d.slice(1))) || !(await lstatOrNull(abs))?.isDirectory()) result.dirsChanged = dirs.delete(d) || result.dirsChanged
      else result.heldDirs.push(d)
    } catch (err) {
      result.refused.set(d, toShoalError(err).message)
    }
  }

  // On a folding filesystem a new name that is one with a name here (or an earlier one) is refused:
  // written, it would land on the other file. Owed, so it comes once the other name is gone.
  if (opts.folding && folds(opts.folding)) {
    const here = [...index.keys(), ...dirs]
    const incoming = [...rels.keys()].filter((p) => !index.has(p) && !dirs.has(p) && !ignored(p, tree.get(p)!.kind === 'dir')).sort()
    for (const c of findCollisions(here, incoming, opts.folding)) {
      rels.delete(c.path)
      result.refused.set(c.path, collisionReason(c))
    }
  }

  // 3. Folders of the view, shallowest first.
  const viewDirs = [...tree].filter(([p, e]) => e.kind === 'dir' && rels.has(p) && !ignored(p, true)).map(([p]) => p)
  for (const d of viewDirs.sort((a, b) => depth(a) - depth(b))) {
    if (opts.isClosing()) return stop()
    result.examined++
    try {
      const abs = await resolveInside(root, d.slice(1))
      const stat = await lstatOrNull(abs)
      if (stat?.isDirectory()) {
        addDir(d)
        continue
      }
      if (stat || dirs.has(d)) {
        // A file is where the folder goes, or we had this folder and it is gone: deleted here and
        // not scanned yet. Either way the scan decides, not the disk writer.
        result.rescan.push(d)
        continue
      }
      await makeDir(root, d.slice(1))
      addDir(d)
      opts.onEvent(d, 'added')
    } catch (err) {
      result.refused.set(d, toShoalError(err).message)
    }
  }

  // 4. Files and links of the view that differ from what we have.
  for (const [p, e] of tree) {
    if (opts.isClosing()) {
      stop()
      break
    }
    result.examined++
    const rel = rels.get(p)
    if (e.kind === 'dir' || !rel || ignored(p, false)) continue
    const known = index.get(p)
    if (sameVersion(known, e)) continue
    try {
      if (e.blob && !(await opts.blobs.has(e.blob))) {
        result.waiting++
        result.waitingFor.push(p)
        continue
      }
      const abs = await resolveInside(root, rel)
      const stat = await lstatOrNull(abs)
      if (stat) {
        if (stat.isDirectory()) {
          result.rescan.push(p)
          continue
        }
        if (!known) {
          // Already here with the same content (e.g. both folders had it before pairing): adopt it.
          const adopted = e.kind === 'file' ? await adoptIfSame(abs, stat, e.hash) : null
          if (adopted) {
            index.set(p, adopted)
            opts.onEvent(p, 'added', 'already here with the same content')
            continue
          }
          result.rescan.push(p)
          continue
        }
        if (!(await unchangedSince(abs, stat, known))) {
          result.rescan.push(p)
          continue
        }
      }
      if (e.kind === 'symlink') {
        await writeSymlinkAtomic(root, rel, e.linkname!)
        const after = await fs.lstat(abs)
        index.set(p, { size: after.size, mtimeMs: after.mtimeMs, ino: after.ino, mode: 0o777, hash: e.hash, kind: 'symlink', linkname: e.linkname! })
      } else {
        const source = e.blob ? opts.blobs.read(e.blob) : new Uint8Array(0)
        const w = await writeFileAtomic(root, rel, source, { executable: e.executable, mtimeMs: e.mtime, expectedHash: e.hash, batch })
        index.set(p, { size: w.size, mtimeMs: w.mtimeMs, ino: w.ino, mode: w.mode & 0o777, hash: w.hash, kind: 'file' })
      }
      result.written++
      for (let d = path.posix.dirname(p); d !== '/'; d = path.posix.dirname(d)) addDir(d)
      opts.onEvent(p, CONFLICT_NAME.test(p) && !known ? 'conflict' : known ? 'changed' : 'added')
    } catch (err) {
      const e2 = toShoalError(err)
      if (e2.code === 'DISK_FULL') throw e2
      result.refused.set(p, e2.message)
    }
  }
  await syncDirs(batch.dirsToSync)
  return result
}
