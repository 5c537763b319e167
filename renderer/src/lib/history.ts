import type { VersionChange } from '../../../shared/folder.ts'

// versions.log returns one row per changed path; the History tab shows them per version (a commit
// of the publisher), newest first.

export interface VersionGroup {
  version: number
  time?: number
  changes: VersionChange[]
  /** Every change of the version (the log lists at most some of them). */
  total: number
}

export function groupByVersion(changes: readonly VersionChange[]): VersionGroup[] {
  const groups = new Map<number, VersionGroup>()
  for (const c of changes) {
    let g = groups.get(c.version)
    if (!g) {
      g = { version: c.version, changes: [], total: 0, ...(c.time ? { time: c.time } : {}) }
      groups.set(c.version, g)
    }
    g.changes.push(c)
    g.total = Math.max(g.total, c.total ?? 0, g.changes.length)
  }
  for (const g of groups.values()) g.changes.sort((a, b) => a.path.localeCompare(b.path))
  return [...groups.values()].sort((a, b) => b.version - a.version)
}

/**
 * For each path, the version of its newest change when that change left the file in place: that
 * row is what the folder holds now, and "restoring" it would change nothing. The log is read newest
 * first, so the newest change of a path is always among the loaded rows.
 */
export function currentVersions(changes: readonly VersionChange[]): Map<string, number> {
  const newest = new Map<string, VersionChange>()
  for (const c of changes) {
    const seen = newest.get(c.path)
    if (!seen || c.version > seen.version) newest.set(c.path, c)
  }
  const out = new Map<string, number>()
  for (const [path, c] of newest) if (c.action !== 'deleted') out.set(path, c.version)
  return out
}

/**
 * The version whose content a Restore button brings back: the version itself for an added or
 * changed file; for a deletion, the latest earlier version that still had the file (or none if
 * that is older than what was loaded).
 */
export function restorableVersion(change: VersionChange, all: readonly VersionChange[]): number | null {
  if (change.action !== 'deleted') return change.version
  if (change.replaces !== undefined) return change.replaces // the engine knows, wherever it is
  let best: number | null = null
  for (const c of all) {
    if (c.path === change.path && c.action !== 'deleted' && c.version < change.version && (best === null || c.version > best)) best = c.version
  }
  return best
}
