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

/** Size of an entry's content: trust the blob, not metadata a remote could lie about. */
export function entrySize(entry: Hyperdrive.Entry | null): number {
  return entry?.value?.blob?.byteLength ?? 0
}
