import fs from 'node:fs/promises'
import path from 'node:path'
import type { LocalIndex } from '../fs/local-index.ts'
import { isConflictCopy } from '../fs/conflict-name.ts'
import { TEMP_PREFIX } from '../fs/safe-write.ts'
import { readJson, writeJsonState } from '../fs/state-file.ts'
import { letGo, orEmpty } from '../../../shared/let-go.ts'

// A receiver's conflict copies: the user's edits it kept aside under a conflict name before a new
// version took the file's name. They are the user's files, not the publisher's, so the local index
// does not hold them; this list does (saved in the folder's state, so the count is the same after
// a restart), and a check drops the copies the user deleted.
/** How often the copies are looked for on disk while the folder runs (a few lstat calls). */
export const CONFLICT_CHECK_MS = 3000

/** The copy a conflict event's detail names ("... kept as <folder-relative path>"), if any. */
export function keptCopyOf(detail: string | undefined): string | null {
  const m = / kept as (.+)$/.exec(detail ?? '')
  return m && isConflictCopy(m[1]) ? m[1].replace(/^\/+/, '') : null
}

export class ConflictCopies {
  readonly #root: string
  readonly #file: string
  /** The index of the version on disk (an atomic folder has one per version). */
  readonly #index: () => LocalIndex
  readonly #changed: () => void
  /** Folder-relative paths (with '/'), as the copies were made. */
  #paths = new Set<string>()
  #timer: NodeJS.Timeout | null = null
  #saving: Promise<void> = Promise.resolve()

  constructor(opts: { root: string; file: string; index: () => LocalIndex; changed: () => void }) {
    this.#root = opts.root
    this.#file = opts.file
    this.#index = opts.index
    this.#changed = opts.changed
  }

  /** The copies still here, except any the index holds (a published file that has such a name counts there). */
  get size(): number {
    const index = this.#index()
    let n = 0
    for (const rel of this.#paths) if (!index.has('/' + rel)) n++
    return n
  }

  /** The copies still here (folder-relative paths), as counted by size. */
  paths(): string[] {
    const index = this.#index()
    return [...this.#paths].filter((rel) => !index.has('/' + rel))
  }

  /** Reads the saved list; a folder from before the list was kept is looked through once. */
  async load(): Promise<void> {
    const saved = await readJson<string[]>(this.#file).catch(() => null) // unreadable: looked for again below
    this.#paths = new Set(Array.isArray(saved) ? saved.filter((p) => typeof p === 'string') : await findCopies(this.#root, this.#index()))
    if (!Array.isArray(saved)) this.#save()
    await this.check()
  }

  /** A conflict event: remembers the copy it names (`path` itself after a revert). */
  kept(p: string, detail: string | undefined): void {
    const rel = keptCopyOf(detail) ?? (isConflictCopy(p) ? p.replace(/^\/+/, '') : null)
    if (rel === null || this.#paths.has(rel)) return
    this.#paths.add(rel)
    this.#save()
    this.#changed()
  }

  /** Written by now (tests and close). */
  flushed(): Promise<void> {
    return this.#saving
  }

  /** Drops the copies no longer on disk (deleted or renamed by the user). */
  async check(): Promise<void> {
    let gone = 0
    for (const rel of [...this.#paths]) {
      const there = await fs.lstat(path.join(this.#root, rel)).then(
        (st) => !st.isDirectory(),
        () => false
      )
      if (!there) {
        this.#paths.delete(rel)
        gone++
      }
    }
    if (gone) {
      this.#save()
      this.#changed()
    }
  }

  /** Looks for deleted copies now and then while the folder runs. */
  start(): void {
    this.#timer ??= setInterval(() => void this.check(), CONFLICT_CHECK_MS).unref()
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = null
  }

  #save(): void {
    const paths = [...this.#paths]
    this.#saving = this.#saving.then(() => writeJsonState(this.#file, paths)).catch(letGo) // not saved: the next change saves the whole list again
  }
}

/** Conflict-named files in the folder that the index does not hold (the receiver's own copies). */
async function findCopies(root: string, index: LocalIndex): Promise<string[]> {
  const found: string[] = []
  const walk = async (dir: string, prefix: string): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(orEmpty) // gone or unreadable: no copies to count there
    for (const d of entries) {
      if (d.name.startsWith(TEMP_PREFIX)) continue
      const rel = prefix + d.name
      if (d.isDirectory()) await walk(path.join(dir, d.name), rel + '/')
      else if (isConflictCopy(d.name) && !index.has('/' + rel)) found.push(rel)
    }
  }
  await walk(root, '')
  return found
}
