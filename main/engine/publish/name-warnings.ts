// A publisher's view of names other systems cannot hold. Linux holds "Readme.md" beside
// "README.md", "CON.txt" and "a:b"; a receiver on macOS or Windows (or a case-folding folder) can
// write only one of such a pair, and a Windows receiver none of the others. Those receivers refuse
// them (paths.ts, name-folding.ts); the publisher is told when it publishes them, as a warning, not a
// refusal: its own folder holds them fine. Kept up to date as files come and go (no full pass per
// version: each folder and file name is counted under its folded key).
import { validateRemotePath, show } from '../fs/paths.ts'
import { foldKey, howTheySame } from '../fs/name-folding.ts'

export interface NameWarning {
  path: string
  reason: string
}

/** At most this many are listed in the folder's status (the count covers all). */
const LISTED = 10

function prefixes(drivePath: string): string[] {
  const out: string[] = []
  for (let at = drivePath.indexOf('/', 1); at !== -1; at = drivePath.indexOf('/', at + 1)) out.push(drivePath.slice(0, at))
  out.push(drivePath)
  return out
}

/** Why a Windows device cannot write this path (null: it can). */
export function windowsProblem(drivePath: string): string | null {
  const here = validateRemotePath(drivePath, 'linux')
  const there = validateRemotePath(drivePath, 'win32')
  return here.ok && !there.ok ? `${there.reason}; a device on Windows will not receive it` : null
}

export class NameWarnings {
  /** Paths with a Windows problem, and why. */
  readonly #windows = new Map<string, string>()
  /** Folded key of each folder and file name -> its spellings and how many paths use each. */
  readonly #spellings = new Map<string, Map<string, number>>()
  /** Name pairs that clash (spellings beyond the first of a key), with the latest reason. */
  readonly #clashes = new Map<string, NameWarning>()

  /** The paths of the folder as published before (at start): counted, not reported again. */
  load(paths: Iterable<string>): void {
    for (const p of paths) this.add(p)
  }

  /** A path is published: returns what is new to warn about. */
  add(drivePath: string): NameWarning[] {
    const out: NameWarning[] = []
    const win = windowsProblem(drivePath)
    if (win && !this.#windows.has(drivePath)) {
      this.#windows.set(drivePath, win)
      out.push({ path: drivePath, reason: win })
    }
    for (const prefix of prefixes(drivePath)) {
      const key = foldKey(prefix)
      let forms = this.#spellings.get(key)
      if (!forms) this.#spellings.set(key, (forms = new Map()))
      const uses = forms.get(prefix) ?? 0
      forms.set(prefix, uses + 1)
      if (uses > 0 || forms.size < 2) continue
      // A new spelling of a name already published: one of the two is lost on folding systems.
      const other = [...forms.keys()].find((f) => f !== prefix)!
      const warning = {
        path: drivePath,
        reason: `${show(prefix)} and ${show(other)} ${howTheySame(prefix, other)}: devices on macOS or Windows, or with a case-insensitive folder, keep only one of them and refuse the other`
      }
      this.#clashes.set(prefix, warning)
      out.push(warning)
    }
    return out
  }

  /** A path is no longer published. */
  remove(drivePath: string): void {
    this.#windows.delete(drivePath)
    for (const prefix of prefixes(drivePath)) {
      const key = foldKey(prefix)
      const forms = this.#spellings.get(key)
      const uses = forms?.get(prefix)
      if (!forms || !uses) continue
      if (uses > 1) {
        forms.set(prefix, uses - 1)
        continue
      }
      forms.delete(prefix)
      this.#clashes.delete(prefix)
      if (forms.size === 0) this.#spellings.delete(key)
      // The spelling that is left is no longer part of a pair.
      else if (forms.size === 1) this.#clashes.delete([...forms.keys()][0])
    }
  }

  get count(): number {
    return this.#windows.size + this.#clashes.size
  }

  /** For the folder's status: the count and the first few, each naming the path and why. */
  summary(): { count: number; first: NameWarning[] } | undefined {
    if (this.count === 0) return undefined
    const first = [...this.#clashes.values(), ...[...this.#windows].map(([path, reason]) => ({ path, reason }))].slice(0, LISTED)
    return { count: this.count, first }
  }
}
