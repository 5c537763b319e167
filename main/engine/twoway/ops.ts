// The operations devices append to a two-way folder's Autobase, and the file entries of its view.
// Ops come from other devices: parseOp() checks every field and returns null for anything
// malformed, so apply() can skip it deterministically (the same way on every device).
import { TEMP_PREFIX } from '../fs/paths.ts'
import { conflictName, conflictPrefix, CONFLICT_NAME } from '../fs/conflict-name.ts'

/** Where a file's bytes live: a range of one device's blobs core (a Hyperblobs id plus the core key). */
export interface BlobRef {
  key: string
  blockOffset: number
  blockLength: number
  byteOffset: number
  byteLength: number
  /** The blob is a block map listing blocks of the same core (an edit reusing unchanged blocks). */
  blockMap?: true
}

export type EntryKind = 'file' | 'symlink' | 'dir'

/** One path in the view (key `f<path>`). */
export interface FileEntry {
  kind: EntryKind
  /** sha256 of the content (files), of the link text (symlinks); 'dir' for folders. */
  hash: string
  size: number
  blob: BlobRef | null
  executable: boolean
  linkname?: string
  mtime: number
  /** Name of the device that wrote this version (used in conflict names). */
  device: string
  /** Writer key (hex) of that device. */
  author: string
}

/** What an op says about a path; the author is taken from the node, never from the op. */
export type EntryData = Omit<FileEntry, 'author'>

export type Op =
  /** `parent`: what the device last saw at this path (hash), or null if it saw nothing there. */
  | { type: 'put'; path: string; parent: string | null; entry: EntryData; time: number }
  | { type: 'del'; path: string; parent: string | null; kind: EntryKind; time: number }
  | { type: 'hello'; name: string; blobs: string; device: string; time: number }
  | { type: 'add-writer'; key: string; invite: string | null; time: number }
  | { type: 'remove-writer'; key: string; time: number }
  | { type: 'invite'; id: string; publicKey: string; expires: number; time: number }
  | { type: 'revoke-invite'; id: string; time: number }

export const DIR_HASH = 'dir'
const HEX64 = /^[0-9a-f]{64}$/
const MAX_PATH = 4096

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const isNat = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
const isStr = (v: unknown, max = 1024): v is string => typeof v === 'string' && v.length <= max
const isHex64 = (v: unknown): v is string => typeof v === 'string' && HEX64.test(v)

/**
 * Structural path check, the same on every platform (apply must not depend on the OS).
 * Platform rules (Windows names, ...) are applied when writing to disk (paths.ts).
 */
export function isViewPath(p: unknown): p is string {
  if (typeof p !== 'string' || !p.startsWith('/') || p === '/' || p.length > MAX_PATH) return false
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(p)) return false
  for (const seg of p.slice(1).split('/')) {
    if (seg === '' || seg === '.' || seg === '..' || seg.startsWith(TEMP_PREFIX)) return false
  }
  return true
}

function parseBlob(v: unknown): BlobRef | null | undefined {
  if (v === null) return null
  if (!isObj(v) || !isHex64(v.key)) return undefined
  const { blockOffset, blockLength, byteOffset, byteLength } = v
  if (!isNat(blockOffset) || !isNat(blockLength) || !isNat(byteOffset) || !isNat(byteLength)) return undefined
  if (v.blockMap !== undefined && v.blockMap !== true) return undefined
  return { key: v.key, blockOffset, blockLength, byteOffset, byteLength, ...(v.blockMap ? { blockMap: true as const } : {}) }
}

function parseEntry(v: unknown): EntryData | null {
  if (!isObj(v)) return null
  const { kind, hash, size, executable, mtime, device, linkname } = v
  if (kind !== 'file' && kind !== 'symlink' && kind !== 'dir') return null
  if (!isStr(hash, 128) || !isNat(size) || typeof executable !== 'boolean' || !isNat(mtime) || !isStr(device, 64)) return null
  const blob = parseBlob(v.blob)
  if (blob === undefined) return null
  // A block map's own length is the map's, not the file's: its bytes are checked by hash when written.
  if (kind === 'file' && (!HEX64.test(hash) || (size > 0 && (!blob || (!blob.blockMap && blob.byteLength !== size))))) return null
  if (kind === 'symlink' && (!isStr(linkname, MAX_PATH) || linkname === '')) return null
  if (kind === 'dir' && hash !== DIR_HASH) return null
  const entry: EntryData = { kind, hash, size, blob: kind === 'file' ? blob : null, executable, mtime, device }
  if (kind === 'symlink') entry.linkname = linkname as string
  return entry
}

/** Validates an op as read from a writer core; null means "skip it". */
export function parseOp(v: unknown): Op | null {
  if (!isObj(v) || !isNat(v.time)) return null
  const time = v.time
  const parent = v.parent === null || isStr(v.parent, 128) ? (v.parent as string | null) : undefined
  switch (v.type) {
    case 'put': {
      const entry = parseEntry(v.entry)
      if (!isViewPath(v.path) || parent === undefined || !entry) return null
      return { type: 'put', path: v.path, parent, entry, time }
    }
    case 'del':
      if (!isViewPath(v.path) || parent === undefined || (v.kind !== 'file' && v.kind !== 'symlink' && v.kind !== 'dir')) return null
      return { type: 'del', path: v.path, parent, kind: v.kind, time }
    case 'hello':
      if (!isStr(v.name, 64) || !isHex64(v.blobs) || !isHex64(v.device)) return null
      return { type: 'hello', name: v.name, blobs: v.blobs, device: v.device, time }
    case 'add-writer':
      if (!isHex64(v.key) || !(v.invite === null || isHex64(v.invite))) return null
      return { type: 'add-writer', key: v.key, invite: v.invite as string | null, time }
    case 'remove-writer':
      if (!isHex64(v.key)) return null
      return { type: 'remove-writer', key: v.key, time }
    case 'invite':
      if (!isHex64(v.id) || !isHex64(v.publicKey) || !isNat(v.expires)) return null
      return { type: 'invite', id: v.id, publicKey: v.publicKey, expires: v.expires, time }
    case 'revoke-invite':
      if (!isHex64(v.id)) return null
      return { type: 'revoke-invite', id: v.id, time }
    default:
      return null
  }
}

/** Two entries with the same identity hold the same content (a concurrent identical edit is no conflict). */
export function identity(e: { kind: EntryKind; hash: string; executable?: boolean; mode?: number }): string {
  if (e.kind === 'dir') return DIR_HASH
  // The executable bit is part of the version (a chmod is an edit); index entries carry a mode.
  const exec = e.kind === 'file' && (e.executable ?? ((e.mode ?? 0) & 0o111) !== 0)
  return `${e.kind}:${e.hash}${exec ? ':x' : ''}`
}

/** Total order between two versions of a path: the greater keeps the name (newer mtime, then hash, then author). */
export function compareEntries(a: FileEntry, b: FileEntry): number {
  if (a.mtime !== b.mtime) return a.mtime - b.mtime
  if (a.hash !== b.hash) return a.hash < b.hash ? -1 : 1
  return a.author < b.author ? -1 : a.author > b.author ? 1 : 0
}

/**
 * The conflict name (fs/conflict-name.ts) of the losing version, derived only from that version
 * (its mtime and device), so every device computes the same name. `n` > 0 adds the start of the
 * hash, for the rare second loser with the same second and device.
 */
export function conflictPath(p: string, loser: Pick<FileEntry, 'mtime' | 'device' | 'hash'>, n = 0): string {
  return conflictName(p, { time: loser.mtime, device: loser.device, ...(n > 0 ? { extra: `${loser.hash.slice(0, 8)}${n > 1 ? `-${n}` : ''}` } : {}) })
}

export { conflictPrefix, CONFLICT_NAME }
