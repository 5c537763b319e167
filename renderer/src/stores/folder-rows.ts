import type { FolderInfo } from '../../../shared/folder.ts'

// The folder list as immutable updates: each event replaces or patches one row, so Svelte sees a
// new array and only the changed card re-renders its values.

export function sortFolders(rows: readonly FolderInfo[]): FolderInfo[] {
  return [...rows].sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }) || a.id.localeCompare(b.id))
}

export function upsertFolder(rows: readonly FolderInfo[], info: FolderInfo): FolderInfo[] {
  const i = rows.findIndex((f) => f.id === info.id)
  if (i === -1) return sortFolders([...rows, info])
  const next = [...rows]
  next[i] = info
  return rows[i].name === info.name ? next : sortFolders(next)
}

/** Changes some fields of one row; unknown ids are ignored (the list reload brings them). */
export function patchFolder(rows: readonly FolderInfo[], id: string, patch: Partial<FolderInfo>): FolderInfo[] {
  const i = rows.findIndex((f) => f.id === id)
  if (i === -1) return rows as FolderInfo[]
  const next = [...rows]
  next[i] = { ...rows[i], ...patch }
  return next
}

export function removeFolder(rows: readonly FolderInfo[], id: string): FolderInfo[] {
  return rows.filter((f) => f.id !== id)
}
