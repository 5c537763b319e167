// What a two-way folder's disk pass remembers between passes (and, in the local index meta, across
// restarts), so that a pass costs what changed instead of a walk of the whole folder:
// - marks: the view versions passes brought the disk to, each with the view's tree hash at that
//   version (a version is only worth diffing from while the view still has the same history up
//   to it: Autobase undoes and re-runs apply when the order of ops changes, truncating the view)
//   and the paths that changed to reach it, so after a truncation the next pass diffs from the
//   newest version the view still shares and also looks again at what changed after it;
// - owed paths: content that had not arrived, paths handed back for a scan, refused paths, folders
//   not empty yet, and what this device's scans changed in the local index (a local op can leave
//   the view as it was, e.g. a delete that a concurrent edit beats, and the disk must follow);
// - the folder's totals at each mark, and the blobs cores the view's entries point at.
// When any of that is in doubt (first pass, an index that was reset or is of an older format, new
// ignore patterns, too much owed, the view reordered past every mark) the next pass is full.
import type Hypercore from 'hypercore'
import type { LocalIndex } from '../fs/local-index.ts'
import { DEFAULT_PATTERNS, type IgnoreRules } from '../fs/ignore-rules.ts'
import type { Totals } from './progress.ts'

const META_KEY = 'diskPass'
/** Bumped when what is saved changes meaning: an index from an older format gets a full pass. */
const FORMAT = 1
/** More owed paths than this: a full pass instead (a path read alone costs about two of a full read). */
export const OWED_MAX = 5_000
/** Owed paths saved in the index meta (each save writes them all); more: a full pass after a restart. */
const OWED_SAVED_MAX = 1_000
/** Marks kept (and paths in them): how far back a reorder can go before it costs a full pass. */
const MARKS_MAX = 256
const MARK_PATHS_MAX = 50_000

interface Mark {
  /** Length of the view core (its Hyperbee version, at least 1). */
  length: number
  /** The view's tree hash at that length (hex). */
  hash: string
  totals: Totals
  /** Paths whose entry changed from the previous mark to this one. */
  changed: string[]
}

/** What is kept in the index meta: the newest mark, what is owed, and what must be the same. */
interface Saved {
  format: number
  length: number
  hash: string
  totals: Totals
  /** null: a full pass is owed. */
  owed: string[] | null
  ignore: string
  blobs: string[]
}

export type PassPlan =
  | { full: true; reason: string }
  | {
      full: false
      /** The mark the diff starts from. */
      from: Mark
      /** Paths that changed after `from` in a history the view no longer has (after a reorder). */
      undone: Set<string>
      reason: string
    }

/** What the ignore patterns are (a change means paths left out before may now be written, and the reverse). */
export function ignoreFingerprint(ignore: IgnoreRules): string {
  return JSON.stringify([DEFAULT_PATTERNS, ignore.patterns])
}

/** The view's tree hash at `length`, or null when this device cannot tell (blocks it does not hold). */
export async function viewHash(core: Hypercore, length: number): Promise<string | null> {
  if (length > core.length) return null
  if (length > 0 && !(await core.has(length - 1))) return null // treeHash would wait for a peer
  try {
    return (await core.treeHash(length)).toString('hex')
  } catch (err) {
    // A fast-forwarded view lacks the tree nodes of old lengths: cannot tell, so not the same.
    if ((err as { code?: string }).code === 'INVALID_OPERATION') return null
    throw err
  }
}

export class DiskState {
  #marks: Mark[] = []
  #owed = new Set<string>()
  /** Why the next pass must be full; '' when it need not. */
  #full: string
  #ignore = ''
  /** Blobs cores (hex) entries of the view point at: downloaded eagerly, also after a restart. */
  readonly blobKeys = new Set<string>()
  readonly #index: LocalIndex

  constructor(index: LocalIndex) {
    this.#index = index
    const saved = index.getMeta<Saved>(META_KEY)
    if (index.corrupt) this.#full = 'the local index could not be read'
    else if (!saved) this.#full = 'first pass'
    else if (saved.format !== FORMAT) this.#full = 'the local index is from an older version'
    else if (!saved.owed) this.#full = 'a full pass, or more than could be listed, was owed when the folder closed'
    else {
      this.#full = ''
      this.#marks = [{ length: saved.length, hash: saved.hash, totals: saved.totals, changed: [] }]
      this.#owed = new Set(saved.owed)
      this.#ignore = saved.ignore
      for (const k of saved.blobs) this.blobKeys.add(k)
    }
  }

  /** Paths the next pass must look at whatever the view says (saved with the index's next save). */
  owe(paths: Iterable<string>): void {
    if (this.#full) return
    for (const p of paths) this.#owed.add(p)
    if (this.#owed.size > OWED_MAX) this.#oweFull(`more than ${OWED_MAX} paths to look at again`)
    this.#save()
  }

  get owed(): ReadonlySet<string> {
    return this.#owed
  }

  /** Full or from which mark: the newest mark the view still has the same history up to. */
  async plan(core: Hypercore, length: number, ignore: string): Promise<PassPlan> {
    if (this.#full) return { full: true, reason: this.#full }
    if (ignore !== this.#ignore) return { full: true, reason: 'the ignore patterns changed' }
    const undone = new Set<string>()
    for (let i = this.#marks.length - 1; i >= 0; i--) {
      const m = this.#marks[i]
      if (m.length <= length && (await viewHash(core, m.length)) === m.hash) {
        const reason = i === this.#marks.length - 1 ? `diff from version ${m.length}` : `view reordered: diff from version ${m.length}, ${this.#marks.length - 1 - i} later pass(es) undone`
        return { full: false, from: m, undone, reason }
      }
      for (const p of m.changed) undone.add(p)
    }
    return { full: true, reason: 'the view was reordered back past every version this device remembers' }
  }

  /**
   * A pass ended: the disk reflects the view at `length` (hash null: unverifiable, so the next pass
   * is full), except for `owed`. `taken` is what was owed when the pass began (now looked at);
   * `changed` the paths that changed since the mark the pass started from (`from`; none: full).
   */
  passed(p: { from: Mark | null; length: number; hash: string | null; totals: Totals; changed: Iterable<string>; taken: ReadonlySet<string>; owed: Iterable<string>; ignore: string }): void {
    if (p.from) this.#marks.splice(this.#marks.indexOf(p.from) + 1) // a reorder undid the marks after it
    else this.#marks = []
    this.#full = ''
    this.#ignore = p.ignore
    for (const t of p.taken) this.#owed.delete(t)
    for (const o of p.owed) this.#owed.add(o)
    if (p.hash === null) this.#oweFull('the view could not be verified at the version written')
    else {
      const changed = [...p.changed]
      if (this.#marks.at(-1)?.length === p.length && changed.length === 0) this.#marks.pop() // the same version again
      this.#marks.push({ length: p.length, hash: p.hash, totals: p.totals, changed })
      this.#trimMarks()
      if (this.#owed.size > OWED_MAX) this.#oweFull(`more than ${OWED_MAX} paths to look at again`)
    }
    this.#save()
  }

  #oweFull(reason: string): void {
    this.#full = reason
    this.#owed.clear()
    this.#marks = []
  }

  #trimMarks(): void {
    let paths = 0
    for (const m of this.#marks) paths += m.changed.length
    while (this.#marks.length > MARKS_MAX || (this.#marks.length > 1 && paths > MARK_PATHS_MAX)) paths -= this.#marks.shift()!.changed.length
  }

  #save(): void {
    const newest = this.#marks.at(-1)
    const saved: Saved | undefined = newest
      ? { format: FORMAT, length: newest.length, hash: newest.hash, totals: newest.totals, owed: this.#full || this.#owed.size > OWED_SAVED_MAX ? null : [...this.#owed], ignore: this.#ignore, blobs: [...this.blobKeys] }
      : undefined
    this.#index.setMeta(META_KEY, saved)
  }
}
