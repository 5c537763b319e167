// Local changes (from the scanner) -> ops for this device's Autobase writer. Each op carries what
// this device last saw at the path (its local index), which is how apply() tells a plain edit from
// a concurrent one. Content goes into this device's blobs core; a rename reuses the blob already in
// the view (no re-upload, no re-transfer).
import type { Dirent } from 'node:fs'
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import type { Change } from '../fs/scanner.ts'
import type { IndexEntry, LocalIndex } from '../fs/local-index.ts'
import type { IgnoreRules } from '../fs/ignore-rules.ts'
import type { BlobStore } from './blobs.ts'
import { DIR_HASH, identity, type EntryData, type FileEntry, type Op } from './ops.ts'
import { fileKey, type ViewTx } from './view.ts'
import { letGo } from '../../../shared/let-go.ts'

export interface LocalOpsContext {
  root: string
  index: LocalIndex
  blobs: BlobStore
  view: ViewTx
  device: string
  now: number
}

const seen = (known: IndexEntry | undefined): string | null => (known ? identity(known) : null)
const isExec = (mode: number) => (mode & 0o111) !== 0
// The file was deleted, or replaced by a folder, after the scanner hashed it.
const GONE = new Set(['ENOENT', 'ENOTDIR', 'EISDIR'])

async function entryFor(p: string, e: IndexEntry, ctx: LocalOpsContext): Promise<EntryData | null> {
  const base = { size: e.size, executable: isExec(e.mode), mtime: Math.max(0, Math.floor(e.mtimeMs)), device: ctx.device }
  if (e.kind === 'symlink') return { ...base, kind: 'symlink', hash: e.hash, size: 0, blob: null, linkname: e.linkname!, executable: false }
  // Same content already in the view at this path (e.g. both folders had it before pairing): reuse it.
  const inView = await ctx.view.get<FileEntry>(fileKey(p))
  if (inView?.kind === 'file' && inView.hash === e.hash) return { ...base, kind: 'file', hash: e.hash, blob: inView.blob }
  let up
  try {
    up = await ctx.blobs.uploadFile(path.join(ctx.root, ...p.slice(1).split('/')), inView?.kind === 'file' ? inView.blob : null)
  } catch (err) {
    if (GONE.has((err as NodeJS.ErrnoException).code ?? '')) return null
    throw err
  }
  // Changed again while we read it: not what the scanner saw, so not recorded (see changesToOps).
  if (up.hash !== e.hash || up.size !== e.size) return null
  return { ...base, kind: 'file', hash: e.hash, blob: up.blob }
}

/**
 * Ops for a batch of scanner changes, the changes to record in the index once those ops are
 * appended, and the paths skipped because they changed or vanished while being read. A skipped
 * path stays unrecorded (so a later scan finds it again) and does not hold back the others.
 */
export async function changesToOps(changes: Change[], ctx: LocalOpsContext): Promise<{ ops: Op[]; applied: Change[]; skipped: string[] }> {
  const ops: Op[] = []
  const applied: Change[] = []
  const skipped: string[] = []
  const time = ctx.now
  for (const c of changes) {
    if (c.type === 'touch') {
      applied.push(c)
    } else if (c.type === 'delete') {
      ops.push({ type: 'del', path: c.path, parent: identity(c.previous), kind: c.previous.kind, time })
      applied.push(c)
    } else if (c.type === 'rename') {
      const moved = await ctx.view.get<FileEntry>(fileKey(c.from))
      const entry: EntryData | null =
        moved && moved.kind === c.entry.kind && moved.hash === c.entry.hash
          ? { ...moved, mtime: Math.max(0, Math.floor(c.entry.mtimeMs)), executable: isExec(c.entry.mode), device: ctx.device }
          : await entryFor(c.path, c.entry, ctx)
      if (!entry) {
        skipped.push(c.path)
        continue
      }
      ops.push({ type: 'del', path: c.from, parent: seen(ctx.index.get(c.from)), kind: c.entry.kind, time })
      ops.push({ type: 'put', path: c.path, parent: seen(ctx.index.get(c.path)), entry: stripAuthor(entry), time })
      applied.push(c)
    } else {
      const entry = await entryFor(c.path, c.entry, ctx)
      if (!entry) {
        skipped.push(c.path)
        continue
      }
      ops.push({ type: 'put', path: c.path, parent: seen(ctx.index.get(c.path)), entry, time })
      applied.push(c)
    }
  }
  return { ops, applied, skipped }
}

function stripAuthor(e: EntryData & { author?: string }): EntryData {
  const { author: _author, ...rest } = e
  return rest
}

/** Every folder under root (drive-style paths), skipping ignored ones and links. */
export async function listDirs(root: string, ignore: IgnoreRules): Promise<Set<string>> {
  const out = new Set<string>()
  const walk = async (dir: string): Promise<void> => {
    let dirents: Dirent[]
    try {
      dirents = await readdir(path.join(root, ...dir.split('/').filter(Boolean)), { withFileTypes: true })
    } catch (err) {
      return letGo(err) // gone or unreadable meanwhile: the next scan sees what is there
    }
    await Promise.all(
      dirents.map(async (d) => {
        if (!d.isDirectory()) return
        const p = dir === '/' ? '/' + d.name : dir + '/' + d.name
        if (ignore.ignores(p, true)) return
        out.add(p)
        await walk(p)
      })
    )
  }
  await walk('/')
  return out
}

/** Folder ops: new folders (shallowest first) and removed ones (deepest first). */
export function dirOps(onDisk: Set<string>, known: Set<string>, device: string, now: number, holdsFiles: (d: string) => boolean): { removed: Op[]; added: Op[]; kept: string[] } {
  const depth = (p: string) => p.split('/').length
  const missing = [...known].filter((d) => !onDisk.has(d))
  const kept = missing.filter(holdsFiles)
  const gone = missing.filter((d) => !holdsFiles(d)).sort((a, b) => depth(b) - depth(a) || (a < b ? -1 : 1))
  const fresh = [...onDisk].filter((d) => !known.has(d)).sort((a, b) => depth(a) - depth(b) || (a < b ? -1 : 1))
  return {
    kept,
    removed: gone.map((p) => ({ type: 'del', path: p, parent: DIR_HASH, kind: 'dir', time: now })),
    added: fresh.map((p) => ({
      type: 'put',
      path: p,
      parent: null,
      entry: { kind: 'dir', hash: DIR_HASH, size: 0, blob: null, executable: false, mtime: now, device },
      time: now
    }))
  }
}
