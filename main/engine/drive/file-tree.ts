import fs from 'node:fs/promises'
import path from 'node:path'
import type Hyperdrive from 'hyperdrive'
import type { LocalIndex } from '../fs/local-index.ts'
import type { IgnoreRules } from '../fs/ignore-rules.ts'
import { readMetadata, entrySize } from './drive-metadata.ts'
import { readEntry } from './drive-entry.ts'
import { validateRemotePath } from '../fs/paths.ts'
import type { FileRow, FileState } from '../../../shared/folder.ts'
import { CONFLICT_NAME } from '../fs/conflict-name.ts'
import { orNull, orEmpty } from '../../../shared/let-go.ts'

// One directory of a folder as the user sees it: what the drive holds, what is on disk, and the
// state of each file (synced, waiting, downloading, changed here, conflict copy, refused, ignored).


/** What the file list needs to know of a folder whose files come from a drive. */
export interface DriveFolderView {
  drive: Hyperdrive
  index: LocalIndex
  root: string
  status: { refusedPaths: Map<string, string>; downloading: Map<string, number> }
  ignore: IgnoreRules | null
  /** This device publishes the drive (its files are its own, never 'local changes'). */
  publishing: boolean
}

export async function listFileRows(folder: DriveFolderView, dir: string): Promise<FileRow[]> {
  const rows = new Map<string, FileRow>()
  const prefix = dir === '/' ? '/' : dir + '/'
  const { publishing } = folder

  // Values are read raw and decoded here: a publisher's malformed entry is one refused row.
  for await (const name of folder.drive.readdir(dir, { valueEncoding: 'binary' })) {
    const drivePath = prefix + name
    const found = await readEntry(folder.drive, drivePath)
    if (!found) {
      rows.set(name, { path: drivePath, name, kind: 'folder', size: 0, state: 'synced' })
      continue
    }
    if (!found.ok) {
      rows.set(name, { path: drivePath, name, kind: 'file', size: 0, state: 'refused', detail: found.reason })
      continue
    }
    const entry = found.entry
    const meta = readMetadata(entry)
    const known = folder.index.get(drivePath)
    const size = entrySize(entry)
    let state: FileState = known && (entry.value.linkname || known.hash === meta.hash) ? 'synced' : 'pending'
    let detail: string | undefined
    if (folder.status.refusedPaths.has(drivePath)) {
      state = 'refused'
      detail = folder.status.refusedPaths.get(drivePath)
    } else if (folder.status.downloading.has(drivePath)) {
      state = 'downloading'
    } else if (!publishing && folder.ignore?.ignores(drivePath, false)) {
      state = 'ignored'
    }
    rows.set(name, {
      path: drivePath,
      name,
      kind: entry.value.linkname ? 'symlink' : 'file',
      size,
      ...(meta.mtime ? { mtime: meta.mtime } : {}),
      state,
      ...(detail ? { detail } : {})
    })
  }

  // Files on disk: local edits, conflict copies, files only this device has.
  const rel = validateRemotePath(dir === '/' ? '/x' : dir + '/x')
  const abs = rel.ok ? path.join(folder.root, path.dirname(rel.rel)) : null
  const local = abs ? await fs.readdir(abs, { withFileTypes: true }).catch(orEmpty) : [] // no local folder there: the list shows the drive's side only
  for (const d of local) {
    const drivePath = prefix + d.name
    const existing = rows.get(d.name)
    const stat = await fs.lstat(path.join(abs!, d.name)).catch(orNull) // gone since readdir: not listed
    if (!stat) continue
    if (existing) {
      const known = folder.index.get(drivePath)
      if (existing.kind === 'file' && existing.state === 'synced' && known && (stat.size !== known.size || stat.mtimeMs !== known.mtimeMs || ((stat.mode & 0o111) !== 0) !== ((known.mode & 0o111) !== 0))) {
        existing.state = publishing ? 'pending' : 'local-change'
      }
      continue
    }
    const ignored = folder.ignore?.ignores(drivePath, d.isDirectory()) ?? false
    rows.set(d.name, {
      path: drivePath,
      name: d.name,
      kind: d.isDirectory() ? 'folder' : d.isSymbolicLink() ? 'symlink' : 'file',
      size: d.isFile() ? stat.size : 0,
      mtime: stat.mtimeMs,
      state: ignored ? 'ignored' : CONFLICT_NAME.test(d.name) ? 'conflict' : publishing ? 'pending' : 'local-only'
    })
  }
  return [...rows.values()].sort((a, b) => (a.kind === 'folder') === (b.kind === 'folder') ? a.name.localeCompare(b.name) : a.kind === 'folder' ? -1 : 1)
}
