// What the disk still needs from the view (other devices' changes not written here yet), for the
// folder's progress: a round starts when something is needed after nothing was, and lasts while
// content is still arriving; files that stop being needed (e.g. a local edit won) drop out of it.
import type { LocalIndex } from '../fs/local-index.ts'
import { CONFLICT_NAME, identity, type FileEntry } from './ops.ts'

export class NeededFiles {
  #needed = new Map<string, number>()

  /**
   * Recomputes what is needed before a disk pass. `fresh` says a new round starts (reset the
   * counters); files and bytes are what is still needed now.
   */
  start(tree: Map<string, FileEntry>, index: LocalIndex, skip: (p: string) => boolean): { fresh: boolean; files: number; bytes: number } {
    const needed = new Map<string, number>()
    let bytes = 0
    for (const [p, e] of tree) {
      if (e.kind === 'dir' || skip(p)) continue
      const known = index.get(p)
      if (known && identity(known) === identity(e)) continue
      needed.set(p, e.size)
      bytes += e.size
    }
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

/** Files, bytes and conflict copies in a view tree (the folder's totals). */
export function treeTotals(tree: Map<string, FileEntry>): { files: number; bytes: number; conflicts: number } {
  let files = 0
  let bytes = 0
  let conflicts = 0
  for (const [p, e] of tree) {
    if (e.kind === 'dir') continue
    files++
    bytes += e.size
    if (CONFLICT_NAME.test(p)) conflicts++
  }
  return { files, bytes, conflicts }
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
