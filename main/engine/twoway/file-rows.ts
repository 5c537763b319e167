// One directory of a two-way folder as the user sees it: the view's entries (what all devices
// agreed on) merged with what is on this device's disk. States, as in file-tree.ts:
//   synced      the disk holds the view's version;
//   pending     a local change not in the view yet (scan), or a view change not written here yet;
//   downloading the view's version is not here yet (its content is still arriving);
//   conflict    a conflict copy (sync-conflict name);
//   refused     a path this OS cannot hold safely; ignored: matches this device's ignore patterns;
//   local-only  on disk but this device cannot send it (not a writer: joining, or removed).
import fs from 'node:fs/promises'
import type { Stats } from 'node:fs'
import path from 'node:path'
import type Hyperbee from 'hyperbee'
import type { FileRow, FileState } from '../../../shared/folder.ts'
import { TEMP_PREFIX, validateRemotePath } from '../fs/paths.ts'
import type { LocalIndex } from '../fs/local-index.ts'
import type { IgnoreRules } from '../fs/ignore-rules.ts'
import type { BlobStore } from './blobs.ts'
import { CONFLICT_NAME, identity, type FileEntry } from './ops.ts'
import { fileKey } from './view.ts'
import { letGo, orEmpty, orNull } from '../../../shared/let-go.ts'

export interface FileRowsSource {
  root: string
  view: Hyperbee | null
  index: LocalIndex
  ignore: IgnoreRules | null
  blobs: BlobStore
  refused: Map<string, string>
  /** Whether local changes can become ops (a writer, not paused). */
  canSend: boolean
}

/** The entries of the view directly inside `dir` (a range read over the dir's keys). */
async function viewChildren(view: Hyperbee, dir: string): Promise<Map<string, FileEntry>> {
  const prefix = fileKey(dir === '/' ? '/' : dir + '/')
  const out = new Map<string, FileEntry>()
  const snap = view.snapshot()
  try {
    // '0' is the character after '/': the range holds the whole subtree, deeper keys are skipped.
    for await (const node of snap.createReadStream({ gt: prefix, lt: prefix.slice(0, -1) + '0' })) {
      const name = node.key.slice(prefix.length)
      if (!name.includes('/')) out.set(name, node.value as FileEntry)
    }
  } finally {
    await snap.close().catch(letGo) // closing a snapshot only releases its session
  }
  return out
}

function changedOnDisk(stat: Stats, known: { size: number; mtimeMs: number }): boolean {
  return stat.size !== known.size || stat.mtimeMs !== known.mtimeMs
}

async function viewRow(src: FileRowsSource, p: string, name: string, e: FileEntry, stat: Stats | null): Promise<FileRow> {
  const base = { path: p, name, size: e.size, ...(e.mtime ? { mtime: e.mtime } : {}) }
  if (e.kind === 'dir') return { ...base, kind: 'folder', size: 0, state: src.ignore?.ignores(p, true) ? 'ignored' : 'synced' }
  const kind = e.kind === 'symlink' ? 'symlink' : 'file'
  if (src.refused.has(p)) return { ...base, kind, state: 'refused', detail: src.refused.get(p)! }
  if (src.ignore?.ignores(p, false)) return { ...base, kind, state: 'ignored' }
  const known = src.index.get(p)
  let state: FileState
  let detail: string | undefined
  if (known && identity(known) === identity(e)) {
    state = stat && kind === 'file' && changedOnDisk(stat, known) ? 'pending' : CONFLICT_NAME.test(name) ? 'conflict' : 'synced'
    if (state === 'pending') detail = 'changed here, not sent yet'
  } else if (known && stat && kind === 'file' && changedOnDisk(stat, known)) {
    state = 'pending'
    detail = 'changed here, not sent yet'
  } else if (e.blob && !(await src.blobs.has(e.blob).catch((err: unknown) => letGo(err) ?? false))) {
    // (a store closing meanwhile: not here)
    state = 'downloading'
  } else {
    state = 'pending'
    detail = 'not written to this device yet'
  }
  return { ...base, kind, state, ...(detail ? { detail } : {}) }
}

export async function listTwoWayRows(src: FileRowsSource, dir: string): Promise<FileRow[]> {
  const rows = new Map<string, FileRow>()
  const prefix = dir === '/' ? '/' : dir + '/'
  const check = validateRemotePath(dir === '/' ? '/x' : dir + '/x')
  const abs = check.ok ? path.join(src.root, path.dirname(check.rel)) : null
  const stats = new Map<string, Stats>()
  const local: string[] = abs ? await fs.readdir(abs).catch(orEmpty) : [] // no such folder on disk: nothing local
  await Promise.all(
    local.map(async (name) => {
      const stat = await fs.lstat(path.join(abs!, name)).catch(orNull) // gone meanwhile
      if (stat) stats.set(name, stat)
    })
  )

  if (src.view) {
    for (const [name, e] of await viewChildren(src.view, dir)) rows.set(name, await viewRow(src, prefix + name, name, e, stats.get(name) ?? null))
  }

  // Only on disk: new here (not scanned yet), or a view delete not applied yet, or not sendable.
  for (const [name, stat] of stats) {
    if (rows.has(name) || name.startsWith(TEMP_PREFIX)) continue
    const p = prefix + name
    const isDir = stat.isDirectory()
    let state: FileState
    if (src.ignore?.ignores(p, isDir)) state = 'ignored'
    else if (CONFLICT_NAME.test(name)) state = 'conflict'
    else state = src.canSend ? 'pending' : 'local-only'
    rows.set(name, {
      path: p,
      name,
      kind: isDir ? 'folder' : stat.isSymbolicLink() ? 'symlink' : 'file',
      size: stat.isFile() ? stat.size : 0,
      mtime: stat.mtimeMs,
      state,
      ...(state === 'pending' ? { detail: src.index.get(p) ? 'deleted on another device, not removed here yet' : 'new here, not sent yet' } : {})
    })
  }
  return [...rows.values()].sort((a, b) => ((a.kind === 'folder') === (b.kind === 'folder') ? a.name.localeCompare(b.name) : a.kind === 'folder' ? -1 : 1))
}
