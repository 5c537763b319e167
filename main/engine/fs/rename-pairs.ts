// A scan reports a file that vanished from one path and appeared at another with the same content
// as a move, so a rename is published as a move (nothing uploaded again) and receivers move the
// file they have instead of writing it again.
import type { Change } from './scanner.ts'
import type { IndexEntry } from './local-index.ts'

type Entry = Extract<Change, { type: 'add' | 'change' | 'touch' }>
type Delete = Extract<Change, { type: 'delete' }>

/** Turns delete + add of the same content into renames; each delete pairs with at most one add. */
export function pairRenames(found: Entry[], deletes: Delete[]): { deletes: Delete[]; renames: Change[]; rest: Entry[] } {
  const used = new Set<Delete>()
  const renames: Change[] = []
  let rest = found
  // Prefer pairs with the same name (a folder moved), then any remaining same-content pair.
  for (const byName of [true, false]) {
    const pool = new Map<string, Delete[]>()
    for (const d of deletes) {
      if (used.has(d)) continue
      const key = renameKey(d.previous, byName ? d.path : null)
      const list = pool.get(key)
      if (list) list.push(d)
      else pool.set(key, [d])
    }
    const left: Entry[] = []
    for (const c of rest) {
      const d = c.type === 'add' ? pool.get(renameKey(c.entry, byName ? c.path : null))?.shift() : undefined
      if (d) {
        used.add(d)
        renames.push({ type: 'rename', from: d.path, path: c.path, entry: c.entry })
      } else left.push(c)
    }
    rest = left
  }
  return { deletes: deletes.filter((d) => !used.has(d)), renames, rest }
}

function renameKey(e: IndexEntry, p: string | null): string {
  return `${e.kind}\0${e.size}\0${e.hash}${p === null ? '' : '\0' + p.slice(p.lastIndexOf('/') + 1)}`
}
