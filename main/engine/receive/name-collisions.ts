// The receiving side of fs/name-folding.ts for a published drive: on a folder whose filesystem
// folds case or Unicode forms, a file of a version whose name is already taken there under another
// spelling is refused instead of written over the other. What is already here keeps its name; of
// two new ones, the one the publisher added first (the lower entry seq) does.
import type { RemoteChange } from './remote-apply.ts'
import { collisionReason, findCollisions, foldKey, folds, type Folding } from '../fs/name-folding.ts'

export interface CollisionCheck {
  changes: RemoteChange[]
  refused: Array<{ drivePath: string; reason: string }>
}

/** `here`: the paths this folder holds (its local index) before the version. */
export function refuseCollisions(changes: RemoteChange[], here: Iterable<string>, folding: Folding): CollisionCheck {
  if (!folds(folding)) return { changes, refused: [] }
  // A file deleted in this version frees its name (deletes are applied before writes).
  const deleted = new Set(changes.filter((c) => c.entry === null).map((c) => c.drivePath))
  const kept = [...here].filter((p) => !deleted.has(p))
  const keptSet = new Set(kept)
  const added = changes.filter((c) => c.entry !== null && !keptSet.has(c.drivePath)).sort((a, b) => a.entry!.seq - b.entry!.seq || (a.drivePath < b.drivePath ? -1 : 1))
  const collisions = findCollisions(kept, added.map((c) => c.drivePath), folding)
  if (collisions.length === 0) return { changes, refused: [] }
  const refused = new Set(collisions.map((c) => c.path))
  return {
    changes: changes.filter((c) => !refused.has(c.drivePath)),
    refused: collisions.map((c) => ({ drivePath: c.path, reason: collisionReason(c) }))
  }
}

/**
 * Refused paths whose name this version frees: a deleted path is one with the refused path (or with
 * a folder on its way) on this filesystem. The caller looks them up again, so the second file comes
 * once the first is gone.
 */
export function freedNames(refused: Iterable<string>, changes: RemoteChange[], folding: Folding): string[] {
  const deleted = new Set(changes.filter((c) => c.entry === null).map((c) => foldKey(c.drivePath, folding)))
  if (deleted.size === 0) return []
  return [...refused].filter((p) => prefixesOf(p).some((prefix) => deleted.has(foldKey(prefix, folding))))
}

function prefixesOf(p: string): string[] {
  const out: string[] = []
  for (let at = p.indexOf('/', 1); at !== -1; at = p.indexOf('/', at + 1)) out.push(p.slice(0, at))
  return [...out, p]
}
