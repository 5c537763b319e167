import type Hyperdrive from 'hyperdrive'

// Hyperdrive entries keep only the exec bit, a symlink target and a blob; what a receiver needs to
// restore a file faithfully and to recognise content it already has goes into entry metadata.
export interface FileMetadata {
  size: number
  mtime: number
  mode: number
  hash: string
}

export function readMetadata(entry: Hyperdrive.Entry | null): Partial<FileMetadata> {
  const m = entry?.value?.metadata
  if (!m || typeof m !== 'object') return {}
  const out: Partial<FileMetadata> = {}
  if (Number.isFinite(m.size) && m.size >= 0) out.size = m.size
  if (Number.isFinite(m.mtime) && m.mtime > 0) out.mtime = m.mtime
  if (Number.isInteger(m.mode)) out.mode = m.mode
  if (typeof m.hash === 'string' && /^[0-9a-f]{64}$/.test(m.hash)) out.hash = m.hash
  return out
}

/**
 * Size of an entry's content. A plain blob says it itself. A blob stored as a block map (an edit
 * that reuses the blocks of the version before: only changed blocks are stored and sent) says only
 * the size of its map, so the size is the one its metadata claims. Either way the writer checks the
 * bytes it gets against this size and the hash (safe-write.ts): a lie is refused, never written.
 */
export function entrySize(entry: Pick<Hyperdrive.Entry, 'value'> | null): number {
  const blob = entry?.value?.blob
  if (!blob) return 0
  if (!(blob as { blockMap?: boolean }).blockMap) return blob.byteLength
  const m = entry.value.metadata as { size?: unknown } | null | undefined
  return typeof m?.size === 'number' && Number.isSafeInteger(m.size) && m.size >= 0 ? m.size : 0
}
