// The "Deleted files" list of a folder (versions.deleted), read from its history log: for each
// path, its newest change decides. A delete or an overwrite is listed with the version that wrote
// what it replaced (a Restore of that version brings the old bytes back); a path whose newest change
// added it again exists now and is not listed. One walk for every kind: it only reads log rows.
import type { DeletedFile, VersionChange } from '../../../shared/folder.ts'

/** A page of the folder's log, newest first, in whole versions (the history capability's log). */
export type ReadLog = (page: { limit: number; before?: number; version?: number }) => Promise<VersionChange[]>

export interface DeletedOptions {
  /** At least this many files are listed (whole versions), when the history has them. */
  limit: number
  /** Only deletions and overwrites in versions older than this one (the next page). */
  before?: number
  /** Who wrote a change that names no device: 'this device' (a share) or 'the publisher' (a join). */
  author: string
  /** Two-way: this device's id, so its own changes say 'this device'. */
  self?: string
  /** The last prune of this folder's history: versions before `keptFrom` (as numbered) may be gone. */
  pruned?: { keptFrom: number; at: number }
}

/** Log rows read at a time. */
const PAGE = 2000
/** A version with more changes than a page is read whole (versions.log's own maximum). */
const WHOLE = 100_000

export async function listDeleted(read: ReadLog, opts: DeletedOptions): Promise<DeletedFile[]> {
  const seen = new Set<string>()
  const out: DeletedFile[] = []
  let before: number | undefined
  for (;;) {
    const rows = await read({ limit: PAGE, ...(before !== undefined ? { before } : {}) })
    if (rows.length === 0) return out
    for (const [version, listed] of byVersion(rows)) {
      // A version the page cut short is read whole: a path it changed must not look untouched.
      const changes = listed.length < (listed[0].total ?? 0) ? await read({ version, limit: WHOLE }) : listed
      for (const change of changes) {
        if (seen.has(change.path)) continue // a newer change of this path decided already
        seen.add(change.path)
        if (opts.before !== undefined && change.version >= opts.before) continue
        const row = deletedRow(change, opts)
        if (row) out.push(row)
      }
      if (out.length >= opts.limit) return out
    }
    const oldest = Math.min(...rows.map((c) => c.version))
    if (oldest <= 1 || (before !== undefined && oldest >= before)) return out
    before = oldest
  }
}

/** Rows grouped by version, newest version first (the log's order). */
function byVersion(rows: readonly VersionChange[]): Map<number, VersionChange[]> {
  const groups = new Map<number, VersionChange[]>()
  for (const row of rows) {
    const group = groups.get(row.version)
    if (group) group.push(row)
    else groups.set(row.version, [row])
  }
  return new Map([...groups].sort((a, b) => b[0] - a[0]))
}

/** What a path's newest change says, or null when the file is there now. */
export function deletedRow(change: VersionChange, opts: Pick<DeletedOptions, 'author' | 'self' | 'pruned'>): DeletedFile | null {
  if (change.action === 'added') return null
  const by = change.deviceId !== undefined && change.deviceId === opts.self ? 'this device' : (change.device ?? opts.author)
  const size = change.replacedSize ?? (change.action === 'deleted' ? change.size : undefined)
  const row: DeletedFile = {
    path: change.path,
    action: change.action === 'deleted' ? 'deleted' : 'overwritten',
    version: change.version,
    ...(change.time !== undefined ? { at: change.time } : {}),
    by,
    ...(change.replaces !== undefined ? { restoreFrom: change.replaces } : {}),
    ...(size !== undefined ? { size } : {}),
    restorable: true
  }
  if (change.replaces === undefined) return { ...row, restorable: false, reason: 'What it replaced is not in the history on this device' }
  // The old content was part of every version from restoreFrom to the one before this change: once
  // all of those are older than what the last prune kept, it was (most likely) removed.
  const pruned = opts.pruned
  if (pruned && change.version <= pruned.keptFrom) {
    const on = new Date(pruned.at).toISOString().slice(0, 10)
    return { ...row, restorable: false, reason: `No longer kept here: history before version ${pruned.keptFrom} was pruned on ${on} (see 'shoal history')` }
  }
  return row
}
