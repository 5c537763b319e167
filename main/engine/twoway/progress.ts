// What the disk still needs from the view (other devices' changes not written here yet), for the
// folder's progress: a round starts when something is needed after nothing was, and lasts while
// content is still arriving; files that stop being needed (e.g. a local edit won) drop out of it.
import type { LocalIndex } from '../fs/local-index.ts'
import { CONFLICT_NAME, identity, type FileEntry } from './ops.ts'

export class NeededFiles {
  #needed = new Map<string, number>()

  /**
   * Recomputes what is needed before a disk pass, from `entries` (path -> view entry, null when the
   * view has none): every path of the view (`full`), or only the paths the pass is about, the rest
   * being as the previous pass left it (nothing changed there). `fresh` says a new round starts
   * (reset the counters); files and bytes are what is still needed now.
   */
  start(entries: Iterable<[string, FileEntry | null]>, index: LocalIndex, skip: (p: string) => boolean, full = true): { fresh: boolean; files: number; bytes: number } {
    const needed = full ? new Map<string, number>() : new Map(this.#needed)
    for (const [p, e] of entries) {
      needed.delete(p)
      if (!e || e.kind === 'dir' || skip(p)) continue
      const known = index.get(p)
      if (known && identity(known) === identity(e)) continue
      needed.set(p, e.size)
    }
    let bytes = 0
    for (const size of needed.values()) bytes += size
    const fresh = this.#needed.size === 0 && needed.size > 0
    this.#needed = needed
    return { fresh, files: needed.size, bytes }
  }

  /** A file was written here: its size if it was part of the round. */
  written(p: string): number | undefined {
    const size = this.#needed.get(p)
    this.#needed.delete(p)
    return size
  }

  /** Nothing left to wait for: the round is over. */
  clear(): void {
    this.#needed.clear()
  }
}

/** Files, bytes and conflict copies in the view (the folder's totals). */
export interface Totals {
  files: number
  bytes: number
  conflicts: number
}

/** The totals of a whole view tree (a full pass). */
export function treeTotals(tree: Map<string, FileEntry>): Totals {
  let t: Totals = { files: 0, bytes: 0, conflicts: 0 }
  for (const [p, e] of tree) t = changeTotals(t, p, null, e)
  return t
}

/** The totals after the entry at `p` went from `before` to `after` (null: none), so a pass that reads only what changed keeps them. */
export function changeTotals(t: Totals, p: string, before: FileEntry | null, after: FileEntry | null): Totals {
  const count = (e: FileEntry | null) => (e && e.kind !== 'dir' ? 1 : 0)
  const d = count(after) - count(before)
  const bytes = (after && after.kind !== 'dir' ? after.size : 0) - (before && before.kind !== 'dir' ? before.size : 0)
  return { files: t.files + d, bytes: t.bytes + bytes, conflicts: t.conflicts + (CONFLICT_NAME.test(p) ? d : 0) }
}

/**
 * Runs `fn` now, never twice at once; calls made while it runs cause exactly one more run after
 * it (the latest state is always read, without queueing one run per call).
 */
export function coalesce(fn: () => Promise<void>, onError: (err: unknown) => void): () => void {
  let running = false
  let again = false
  const run = (): void => {
    if (running) {
      again = true
      return
    }
    running = true
    fn()
      .catch(onError)
      .finally(() => {
        running = false
        if (again) {
          again = false
          run()
        }
      })
  }
  return run
}
