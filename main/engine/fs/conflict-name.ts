// The name a losing version is kept under, like Syncthing's:
//   dir/name.sync-conflict-YYYYMMDD-HHMMSS-<device>[-<extra>].ext   (UTC)
// Used for a local edit kept aside on a receiver (safe-write.ts) and for the loser of concurrent
// edits in a two-way folder (twoway/ops.ts, where it must come out the same on every device).

/** Finds conflict copies by name (file lists, local changes, tests). */
export const CONFLICT_NAME = /\.sync-conflict-\d{8}-\d{6}-/

/** Whether the file at `p` (any path form) is a conflict copy: by its own name, not a folder's. */
export function isConflictCopy(p: string): boolean {
  return CONFLICT_NAME.test(p.slice(p.lastIndexOf('/') + 1))
}

const MAX_NAME_BYTES = 255

function stamp(ms: number): string {
  const d = new Date(ms)
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`
}

/** A device name as a safe piece of a file name (letters, digits, - and _; at most 16). */
function deviceTag(device: string): string {
  const clean = device.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 16)
  return clean === '' ? 'device' : clean
}

function splitName(p: string): { dir: string; stem: string; ext: string } {
  const slash = p.lastIndexOf('/')
  const base = p.slice(slash + 1)
  const dot = base.lastIndexOf('.')
  // dot > 0: ".bashrc" is a name, not an extension.
  return { dir: p.slice(0, slash + 1), stem: dot > 0 ? base.slice(0, dot) : base, ext: dot > 0 ? base.slice(dot) : '' }
}

/**
 * The conflict name of `p` (relative or drive path: the folder part is kept as it is) for a version
 * made at `time` by `device`; `extra` tells apart two losers of the same second and device.
 */
export function conflictName(p: string, v: { time: number; device: string; extra?: string }): string {
  const { dir, ext } = splitName(p)
  let { stem } = splitName(p)
  const suffix = `.sync-conflict-${stamp(v.time)}-${deviceTag(v.device)}${v.extra ? `-${v.extra}` : ''}`
  // Long names would hit NAME_MAX; shorten the stem (by code point) rather than fail.
  while (stem.length > 0 && Buffer.byteLength(stem + suffix + ext) > MAX_NAME_BYTES) stem = Array.from(stem).slice(0, -1).join('')
  return dir + stem + suffix + ext
}

/** The common start of every conflict name of `p` (for finding the copies of one path). */
export function conflictPrefix(p: string): string {
  const { dir, stem } = splitName(p)
  return dir + stem + '.sync-conflict-'
}

/** What a conflict copy's name says: the path it is a copy of, when it was made, and by which device. */
export interface ConflictNameParts {
  /** The original path (folder part as given), or the best guess when a long stem was shortened. */
  original: string
  /** The time in the name (UTC, whole seconds). */
  time: number
  /** The device as the name has it (letters, digits, - and _; a tie-breaker may follow it). */
  device: string
}

const PARTS = /^(.*)\.sync-conflict-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-([A-Za-z0-9_-]+)(\.[^/]*)?$/

/** Reads a conflict copy's name (conflictName's inverse); null when `p` is not one. */
export function parseConflictName(p: string): ConflictNameParts | null {
  const slash = p.lastIndexOf('/')
  const m = PARTS.exec(p.slice(slash + 1))
  if (!m || m[1] === '') return null
  const [, stem, y, mo, d, h, mi, s, tag, ext] = m
  const time = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s))
  // The tie-breakers conflictName adds: "-<n>" (a receiver's copy) or "-<8 hex>[-<n>]" (two-way).
  const device = tag.replace(/-(?:[0-9a-f]{8}(?:-\d+)?|\d+)$/, '') || tag
  return { original: p.slice(0, slash + 1) + stem + (ext ?? ''), time, device }
}
