// The mass-delete guard. An accidental `rm -rf` on one machine, or a disk that mounts empty, must
// not wipe every copy: when one change (a version from the other side, or this device's own scan)
// would delete more than `percent` % of a folder's files and more than `minFiles` files, the
// deletes are held and everything else goes on. The user applies them (shoal release) or keeps
// the files (shoal release --keep). Settings are per folder (shoal guard), on by default.
import fs from 'node:fs/promises'
import path from 'node:path'
import type { FolderConfig } from '../config.ts'
import { readJson, writeJsonState } from '../fs/state-file.ts'
import type { DeleteGuard, HeldDeletes } from '../../../shared/folder.ts'
import { formatCount } from '../../../shared/format-count.ts'

export const DEFAULT_GUARD: DeleteGuard = { enabled: true, percent: 50, minFiles: 100 }

export function guardOf(config: Pick<FolderConfig, 'deleteGuard'>): DeleteGuard {
  return { ...DEFAULT_GUARD, ...config.deleteGuard }
}

/** Whether deleting `deletes` of a folder's `files` files in one change is a mass delete to hold. */
export function isMassDelete(deletes: number, files: number, guard: DeleteGuard): boolean {
  return guard.enabled && deletes > guard.minFiles && deletes * 100 > guard.percent * files
}

/** What the folder says while deletes are held. */
export function heldMessage(held: HeldDeletes): string {
  const what = `${formatCount(held.deletes)} of ${formatCount(held.of)} files`
  const who = held.local ? 'were deleted here' : `are deleted by ${held.from}`
  const todo = held.local ? 'Nothing of it was published' : 'Everything else is synced'
  return `Deletes held: ${what} ${who}. ${todo}; apply the deletes or keep the files (shoal release).`
}

/** Held delete paths, as kept in a folder's local index meta (they survive a restart). */
export interface HeldRecord extends HeldDeletes {
  paths: string[]
  /** The user chose to apply the deletes; the next pass (after a pause or a restart too) does it. */
  released?: boolean
  /**
   * Of `paths`, those deleted by this device's own scans (not sent yet); the others were deleted
   * by another device (not applied here yet). Absent: all of them are of the side `local` says.
   * Only a two-way folder holds both at once.
   */
  localPaths?: string[]
}

/** The paths of a record this device deleted itself (held back from the other devices). */
export function ownPaths(held: HeldRecord | null): string[] {
  if (!held) return []
  return held.localPaths ?? (held.local ? held.paths : [])
}

/** The paths of a record another device deleted (held back from this disk). */
export function othersPaths(held: HeldRecord | null): string[] {
  if (!held) return []
  const own = new Set(ownPaths(held))
  return held.paths.filter((p) => !own.has(p))
}

/**
 * A record of both sides' held paths (null when none is left); `latest` says who deleted what the
 * folder shows as held now (the message names the latest side).
 */
export function heldRecord(own: string[], others: string[], latest: Pick<HeldRecord, 'from' | 'local'>, files: number, prev: HeldRecord | null): HeldRecord | null {
  const paths = [...new Set([...others, ...own])]
  if (paths.length === 0) return null
  const mixed = own.length > 0 && others.length > 0
  const local = mixed ? latest.local : own.length > 0
  return {
    paths,
    deletes: paths.length,
    of: files,
    from: local ? 'this device' : !latest.local ? latest.from : prev && !prev.local ? prev.from : 'another device',
    local,
    since: prev?.since ?? Date.now(),
    ...(prev?.released ? { released: true } : {}),
    ...(mixed ? { localPaths: own } : {})
  }
}

interface ScannedChange {
  type: string
  path: string
}

/**
 * The guard on this device's own scan (a share, a two-way folder): deletes of most of the folder
 * are not sent (everything else is) until the user releases them. A full scan judges again what
 * is still deleted, so files put back shrink what is held and a small remainder goes out; a
 * partial scan sees part of the folder, so what is held stays held until a full scan. Deletes of
 * another device that a two-way folder holds are kept as they are.
 */
export async function judgeOwnDeletes<C extends ScannedChange>(changes: C[], opts: { full: boolean; files: number; guard: DeleteGuard; held: HeldState; warn(message: string): void }): Promise<C[]> {
  const { held: state, full } = opts
  const prev = state.record
  const deletes = changes.filter((c) => c.type === 'delete')
  // Released: the next full scan sends them all (one after a pause or a restart too).
  const releasing = full && state.released
  let own: string[] = []
  if (!releasing && isMassDelete(deletes.length, opts.files, opts.guard)) own = deletes.map((c) => c.path)
  else if (!full && ownPaths(prev).length) {
    const holding = new Set(ownPaths(prev))
    return changes.filter((c) => c.type !== 'delete' || !holding.has(c.path))
  }
  if (own.length || full) {
    const others = othersPaths(prev)
    const next = heldRecord(own, others, { from: 'this device', local: true }, opts.files, releasing && !others.length ? null : prev)
    await state.set(next)
    if (own.length) opts.warn(heldMessage(next!))
  }
  return own.length ? changes.filter((c) => c.type !== 'delete') : changes
}

const HELD_FILE = 'held-deletes.json'

/** The deletes a folder holds, from its state directory (null: none). */
export async function loadHeld(stateDir: string): Promise<HeldRecord | null> {
  return parseHeld(await readJson<unknown>(path.join(stateDir, HELD_FILE)).catch(() => null)) // unreadable: nothing held, the next change is judged again
}

/** Remembers held deletes across restarts (null: none held any more). */
export async function saveHeld(stateDir: string, held: HeldRecord | null): Promise<void> {
  if (held) await writeJsonState(path.join(stateDir, HELD_FILE), held)
  else await fs.rm(path.join(stateDir, HELD_FILE), { force: true })
}

/** The part of a held record the folder row shows. */
export function heldInfo(held: HeldRecord): HeldDeletes {
  const { paths: _paths, released: _released, ...info } = held
  return info
}

function parseHeld(meta: unknown): HeldRecord | null {
  const h = meta as Partial<HeldRecord> | undefined
  if (!h || !Array.isArray(h.paths) || typeof h.from !== 'string') return null
  return { paths: h.paths.filter((p): p is string => typeof p === 'string'), deletes: Number(h.deletes) || h.paths.length, of: Number(h.of) || 0, from: h.from, local: h.local === true, since: Number(h.since) || Date.now(), ...(h.released === true ? { released: true } : {}) }
}

/** A folder's held deletes: kept in its state directory and shown in its status. */
export class HeldState {
  record: HeldRecord | null = null
  readonly #stateDir: string
  readonly #show: (held: HeldDeletes | null) => void

  constructor(stateDir: string, show: (held: HeldDeletes | null) => void) {
    this.#stateDir = stateDir
    this.#show = show
  }

  async load(): Promise<void> {
    this.record = await loadHeld(this.#stateDir)
    if (this.record) this.#show(heldInfo(this.record))
  }

  async set(held: HeldRecord | null): Promise<void> {
    if (!held && !this.record) return
    this.record = held
    await saveHeld(this.#stateDir, held)
    this.#show(held ? heldInfo(held) : null)
  }

  /** Whether the user chose to apply the held deletes (kept on disk until a pass applies them). */
  get released(): boolean {
    return this.record?.released === true
  }

  /** Remembers that the user chose to apply them: a pause or a restart before the pass loses nothing. */
  async release(): Promise<void> {
    if (this.record && !this.record.released) await this.set({ ...this.record, released: true })
  }
}
