// The conflicts of a folder as the user sees them: each conflicted path with the file under its
// name and its conflict copies here (size, time, device, and the text of small text files for a
// side-by-side diff). Every kind lists from what is on disk; the kind says which conflict-named
// files are its copies (a receiver: only its own) and, where its records know, which device made
// a version.
import { lstat, readFile } from 'node:fs/promises'
import type { Stats } from 'node:fs'
import { isConflictCopy, parseConflictName } from '../fs/conflict-name.ts'
import { hashBuffer, hashFile } from '../fs/hash.ts'
import { checkParent, pathInside } from '../fs/paths.ts'
import type { IndexEntry } from '../fs/local-index.ts'
import type { Conflict, ConflictVersion } from '../../../shared/conflicts.ts'
import { orNull } from '../../../shared/let-go.ts'

/** Text files up to this size carry their content in the list (the UI diffs them). */
export const TEXT_DIFF_BYTES = 64 * 1024

export interface ConflictSource {
  root: string
  /** Folder-relative paths ('/'-separated, no leading slash) of the conflict copies to list. */
  copies(): Iterable<string>
  /** The device that made the version at `rel`, where the kind's records say it. */
  deviceOf?(rel: string, copy: boolean): Promise<string | undefined> | string | undefined
}

/** A version as listed, plus what resolving needs to tell whether it changed since. */
export interface VersionOnDisk extends ConflictVersion {
  known: IndexEntry
}

export interface ConflictOnDisk {
  path: string
  original: VersionOnDisk | null
  copies: VersionOnDisk[]
}

const baseName = (rel: string) => rel.slice(rel.lastIndexOf('/') + 1)

/** UTF-8 without NUL bytes reads as text; anything else is shown by size only. */
function asText(buf: Buffer): string | undefined {
  if (buf.includes(0)) return undefined
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf)
  } catch {
    return undefined // not UTF-8: binary
  }
}

/** The regular file at root/rel as a version, or null when nothing (or no plain file) is there. */
async function describe(root: string, rel: string): Promise<Omit<VersionOnDisk, 'device' | 'madeAt'> | null> {
  if ((await checkParent(root, rel).catch(orNull)) !== 'ok') return null // a folder on the way is gone or not a folder: nothing there
  const abs = pathInside(root, rel)
  const st: Stats | null = await lstat(abs).catch(orNull) // not there
  if (!st?.isFile()) return null
  let hash: string | null
  let text: string | undefined
  if (st.size <= TEXT_DIFF_BYTES) {
    const buf = await readFile(abs).catch(orNull) // gone while listed: not shown
    if (!buf || buf.length !== st.size) return null
    hash = hashBuffer(buf)
    text = asText(buf)
  } else hash = await hashFile(abs, { expected: st }).catch(orNull) // changed while read: listed next time
  if (hash === null) return null
  const known: IndexEntry = { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, mode: st.mode & 0o777, hash, kind: 'file' }
  return { path: rel, name: baseName(rel), size: st.size, mtime: Math.round(st.mtimeMs), hash, known, ...(text !== undefined ? { text } : {}) }
}

/** The conflicts of a folder, by original path; copies oldest first. */
export async function listConflictsOnDisk(source: ConflictSource): Promise<ConflictOnDisk[]> {
  const groups = new Map<string, string[]>()
  for (const rel of source.copies()) {
    const parts = parseConflictName(rel)
    if (!parts) continue
    const list = groups.get(parts.original) ?? []
    list.push(rel)
    groups.set(parts.original, list)
  }
  const out: ConflictOnDisk[] = []
  for (const [original, copyPaths] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const copies: VersionOnDisk[] = []
    for (const rel of copyPaths) {
      const v = await describe(source.root, rel)
      if (!v) continue
      const parts = parseConflictName(rel)!
      const device = (await source.deviceOf?.(rel, true)) ?? parts.device
      copies.push({ ...v, device, madeAt: parts.time })
    }
    if (copies.length === 0) continue // every copy is gone: no conflict left
    copies.sort((a, b) => (a.madeAt ?? 0) - (b.madeAt ?? 0) || a.name.localeCompare(b.name))
    const o = await describe(source.root, original)
    const device = o ? await source.deviceOf?.(original, false) : undefined
    out.push({ path: original, original: o ? { ...o, ...(device ? { device } : {}) } : null, copies })
  }
  return out
}

/** What the API shows of a version (the identity kept for resolving stays in the engine). */
function shown(v: VersionOnDisk): ConflictVersion {
  const { known: _known, ...rest } = v
  return rest
}

export function shownConflicts(list: ConflictOnDisk[]): Conflict[] {
  return list.map((c) => ({ path: c.path, original: c.original ? shown(c.original) : null, copies: c.copies.map(shown) }))
}

/** The conflict copies among a local index's files (keys '/a/b'), as folder-relative paths. */
export function conflictCopiesIn(index: { keys(): IterableIterator<string> }): string[] {
  const out: string[] = []
  for (const key of index.keys()) if (isConflictCopy(key)) out.push(key.replace(/^\/+/, ''))
  return out
}
