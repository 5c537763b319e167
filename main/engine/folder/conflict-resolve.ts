// Resolving a conflict: one version stays under the original name and the other copies leave the
// folder, or (keep both) the copies become ordinary files. It is an ordinary local change, made
// with the same safety as a remote write: the kept content is written atomically (safe-write.ts)
// and must still hash as listed; a file is replaced, removed or renamed only if it is still what
// was listed (file-identity.ts); and if the user chose from a list and anything changed since,
// nothing is done. The kind decides what happens next (publish it, or note it) and where a copy
// that is in no history goes instead of being deleted (a receiver's own edits).
import { copyFile, lstat, mkdir, rename, unlink } from 'node:fs/promises'
import { createReadStream } from 'node:fs'
import path from 'node:path'
import { ShoalError } from '../../../shared/errors.ts'
import type { ResolveResult } from '../../../shared/conflicts.ts'
import { moveFileSafely, removeFileSafely, writeFileAtomic } from '../fs/safe-write.ts'
import { unchangedSince } from '../fs/file-identity.ts'
import { checkParent, pathInside } from '../fs/paths.ts'
import { parseConflictName } from '../fs/conflict-name.ts'
import type { ConflictOnDisk, VersionOnDisk } from './conflict-list.ts'
import { orNull } from '../../../shared/let-go.ts'

export interface ResolveHooks {
  root: string
  /** The folder's conflicts now. */
  list(): Promise<ConflictOnDisk[]>
  /** Runs the resolution in the folder's loop (never beside a scan or a disk pass). */
  exclusive<T>(fn: () => Promise<T>): Promise<T>
  /** The paths that changed on disk: publish them (a scan) or note them. Runs inside exclusive. */
  changed(paths: string[]): Promise<void>
  /** Why this choice cannot be made here, if it cannot (an atomic receiver keeps only the original). */
  refuses?(keep: 'original' | 'copy' | 'both'): string | null
  /** Copies in no history are moved here instead of being deleted (a receiver's own edits). */
  setAsideDir?(): string
}

export interface Seen {
  name: string
  hash: string
}

const relOf = (p: string) => p.replace(/\\/g, '/').replace(/^\/+/, '')

function changedSince(what: string): ShoalError {
  return new ShoalError('BAD_REQUEST', `${what} since the conflicts were listed; nothing was changed. List the conflicts again and choose again.`)
}

/** The conflict the user means: by its original path, or by the path of one of its copies. */
function find(list: ConflictOnDisk[], rel: string, root: string): ConflictOnDisk {
  const original = parseConflictName(rel)?.original
  const hit = list.find((c) => c.path === rel) ?? list.find((c) => c.path === original && c.copies.some((v) => v.path === rel))
  if (hit) return hit
  throw new ShoalError('FILE_NOT_FOUND', `${rel} has no conflict copies in ${root}; 'shoal conflicts ${root}' lists the conflicted files`, { path: rel })
}

/** Refuses when the versions listed now are not the ones the user chose from. */
function checkSeen(c: ConflictOnDisk, seen: Seen[] | undefined): void {
  if (!seen) return
  const now = [...(c.original ? [c.original] : []), ...c.copies]
  for (const v of now) {
    const was = seen.find((s) => s.name === v.name)
    if (!was) throw changedSince(`${v.name} appeared`)
    if (was.hash !== v.hash) throw changedSince(`${v.name} changed`)
  }
  for (const s of seen) if (!now.some((v) => v.name === s.name)) throw changedSince(`${s.name} was deleted or moved`)
}

/** Throws unless root/v.path still holds what was listed. */
async function requireUnchanged(root: string, v: VersionOnDisk): Promise<void> {
  const abs = pathInside(root, v.path)
  const st = await lstat(abs).catch(orNull) // gone: changed
  if (!st || !(await unchangedSince(abs, st, v.known))) throw changedSince(`${v.name} changed`)
}

/** A plain name for a copy kept as an ordinary file: "notes (laptop 2026-11-24 101500).txt". */
function plainName(copy: VersionOnDisk, original: string, n: number): string {
  const slash = original.lastIndexOf('/')
  const base = original.slice(slash + 1)
  const dot = base.lastIndexOf('.')
  const [stem, ext] = dot > 0 ? [base.slice(0, dot), base.slice(dot)] : [base, '']
  const at = new Date(copy.madeAt ?? copy.mtime).toISOString().replace('T', ' ').replace(/:/g, '').slice(0, 17)
  return `${original.slice(0, slash + 1)}${stem} (${copy.device ?? 'copy'} ${at}${n > 0 ? ` ${n + 1}` : ''})${ext}`
}

/** Moves a receiver's copy into `dir` (same relative path), across filesystems if need be. */
async function setAside(root: string, rel: string, dir: string): Promise<void> {
  const dest = path.join(dir, ...rel.split('/'))
  await mkdir(path.dirname(dest), { recursive: true })
  if ((await checkParent(root, rel)) !== 'ok') throw changedSince(`${rel} moved`)
  try {
    await rename(pathInside(root, rel), dest)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err
    await copyFile(pathInside(root, rel), dest)
    await unlink(pathInside(root, rel))
  }
}

/** Resolves the conflict at `p` (see the top of this file); `keep` is 'original', a copy's name, or 'both'. */
export async function resolveConflict(hooks: ResolveHooks, p: string, keep: string, seen?: Seen[]): Promise<ResolveResult> {
  const { root } = hooks
  return hooks.exclusive(async () => {
    const c = find(await hooks.list(), relOf(p), root)
    checkSeen(c, seen)
    const keptCopy = keep === 'original' || keep === 'both' ? null : (c.copies.find((v) => v.name === keep || v.path === relOf(keep)) ?? null)
    if (keep !== 'original' && keep !== 'both' && !keptCopy) {
      throw new ShoalError('BAD_REQUEST', `${keep} is not a copy of ${c.path}; keep 'original', 'both' or one of: ${c.copies.map((v) => v.name).join(', ')}`)
    }
    if (keep === 'original' && !c.original) throw new ShoalError('BAD_REQUEST', `Nothing is under the name ${c.path} now; keep one of its copies (${c.copies.map((v) => v.name).join(', ')}) or 'both'`)
    const refused = hooks.refuses?.(keptCopy ? 'copy' : (keep as 'original' | 'both'))
    if (refused) throw new ShoalError('BAD_REQUEST', refused)
    // Every version must still be what was listed before anything is touched.
    for (const v of [...(c.original ? [c.original] : []), ...c.copies]) await requireUnchanged(root, v)

    const result: ResolveResult = { path: c.path, kept: keptCopy?.name ?? keep, removed: [], renamed: [] }
    const touched = [c.path]
    if (keep === 'both') {
      for (const copy of c.copies) {
        for (let n = 0; n < 100; n++) {
          const to = plainName(copy, c.path, n)
          await requireUnchanged(root, copy)
          if (!(await moveFileSafely(root, copy.path, to))) continue // taken: the next number
          result.renamed.push({ from: copy.name, to: to.slice(to.lastIndexOf('/') + 1) })
          touched.push(copy.path, to)
          break
        }
      }
      await hooks.changed(touched)
      return result
    }
    if (keptCopy) {
      // The copy's bytes under the original name, refused unless they still hash as listed.
      const bytes = createReadStream(pathInside(root, keptCopy.path))
      try {
        await writeFileAtomic(root, c.path, bytes, {
          expectedHash: keptCopy.hash,
          expectedSize: keptCopy.size,
          mtimeMs: keptCopy.known.mtimeMs,
          executable: (keptCopy.known.mode & 0o111) !== 0
        })
      } catch (err) {
        if (err instanceof ShoalError && err.code === 'BAD_ENTRY') throw changedSince(`${keptCopy.name} changed`)
        throw err
      } finally {
        bytes.destroy()
      }
    }
    const aside = hooks.setAsideDir?.()
    for (const copy of c.copies) {
      await requireUnchanged(root, copy)
      // The kept copy's bytes are under the original name now: only the others need keeping aside.
      if (aside && copy !== keptCopy) await setAside(root, copy.path, aside)
      else await removeFileSafely(root, copy.path, { prune: false })
      result.removed.push(copy.name)
      touched.push(copy.path)
    }
    if (aside && c.copies.some((v) => v !== keptCopy)) result.setAside = aside
    await hooks.changed(touched)
    return result
  })
}
