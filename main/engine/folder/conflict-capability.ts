// The conflicts capability every kind with files offers (folder/kind.ts): one listing and one
// resolution, fed by what the kind knows (which files are its copies, who made a version, what a
// change means for it).
import type { ConflictResolution } from './kind.ts'
import { listConflictsOnDisk, shownConflicts, type ConflictSource } from './conflict-list.ts'
import { resolveConflict, type ResolveHooks } from './conflict-resolve.ts'

export function conflictCapability(opts: ConflictSource & Omit<ResolveHooks, 'list' | 'root'>): ConflictResolution {
  const list = () => listConflictsOnDisk(opts)
  return {
    list: async () => shownConflicts(await list()),
    resolve: (p, keep, seen) => resolveConflict({ ...opts, list }, p, keep, seen)
  }
}
