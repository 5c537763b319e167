// What a folder tells the user: its state, figures, progress and events. Every kind reports
// through one of these (the runner owns it), so state lines, progress throttling and events are
// the same for all of them.
import { RateMeter } from './rate-meter.ts'
import type { EventLog } from '../event-log.ts'
import type { FolderState, HeldDeletes, Progress } from '../../../shared/folder.ts'
import type { FileAction } from '../../../shared/events.ts'
import { toShoalError } from '../../../shared/errors.ts'
import { ScanCancelled } from '../fs/scanner.ts'
import type { LocalIndex } from '../fs/local-index.ts'
import { heldMessage } from './delete-guard.ts'

/** Conflict copies a kind keeps track of outside its local index (follow/conflict-copies.ts). */
export interface OtherConflicts {
  readonly size: number
  kept(path: string, detail: string | undefined): void
}

export class FolderStatus {
  readonly #id: string
  readonly #events: EventLog
  /** Peers connected for this folder now (asked when progress is reported). */
  readonly #peers: () => number
  /** Sends the whole folder row (throttled by the runner). */
  readonly #notify: () => void
  state: FolderState = 'starting'
  error: string | undefined
  /** Deletes the mass-delete guard holds: the folder shows 'held' whatever else it does. */
  held: HeldDeletes | null = null
  /** The state the folder's work last set, shown again once nothing is held. */
  #wanted: { state: FolderState; error: string | undefined } = { state: 'starting', error: undefined }
  /** Version published (publisher) or applied to disk (receiver). */
  version = 0
  /**
   * What the folder's figures are read from: the local index, which says what is in the folder on
   * this device right now (files written so far mid-sync, conflict copies still there after a
   * restart). A seed, which has no folder, sets files and bytes itself.
   */
  #index: Pick<LocalIndex, 'size' | 'bytes' | 'conflicts'> | null = null
  /** Conflict copies the index does not know (a receiver's own copies of local edits). */
  #otherConflicts: OtherConflicts | null = null
  #files = 0
  #bytes = 0
  refused = 0
  lastChange: number | undefined
  /** Remote paths refused for safety, with the reason (shown in the file tree). */
  readonly refusedPaths = new Map<string, string>()
  /** Files being written right now, with their size. */
  readonly downloading = new Map<string, number>()
  readonly meter = new RateMeter()
  progress: Omit<Progress, 'rate' | 'peers'> = { filesNeeded: 0, filesDone: 0, bytesNeeded: 0, bytesDone: 0 }
  #lastProgressEmit = 0

  constructor(id: string, events: EventLog, peers: () => number, notify: () => void) {
    this.#id = id
    this.#events = events
    this.#peers = peers
    this.#notify = notify
  }

  setState(wanted: FolderState, wantedError?: string): void {
    this.#wanted = { state: wanted, error: wantedError }
    // Held deletes stay in sight while the folder goes on; errors and pauses still show.
    const showHeld = this.held !== null && !['error', 'paused', 'stopped', 'starting'].includes(wanted)
    const state = showHeld ? 'held' : wanted
    const error = showHeld ? heldMessage(this.held!) : wantedError
    if (state === this.state && error === this.error) return
    this.state = state
    this.error = error
    this.#events.emitEvent({ type: 'folder-state', folder: this.#id, state, version: this.version, ...(error ? { error } : {}) })
    this.#notify()
  }

  /** Deletes held (or released, with null): the state says so at once. */
  setHeld(held: HeldDeletes | null): void {
    this.held = held
    this.setState(this.#wanted.state, this.#wanted.error)
    this.#notify()
  }

  fail(err: unknown): void {
    if (err instanceof ScanCancelled) return // stopped on purpose (pause, close): not a failure
    const e = toShoalError(err)
    this.setState('error', e.message)
    this.#events.emitEvent({ type: 'error', folder: this.#id, code: e.code, message: e.message })
  }

  /** Files in the folder on this device now (see #index). */
  get files(): number {
    return this.#index ? this.#index.size : this.#files
  }

  set files(n: number) {
    this.#files = n
  }

  get bytes(): number {
    return this.#index ? this.#index.bytes : this.#bytes
  }

  set bytes(n: number) {
    this.#bytes = n
  }

  /** Conflict copies in the folder now: they count until the user deletes them, across restarts. */
  get conflicts(): number {
    return (this.#index?.conflicts ?? 0) + (this.#otherConflicts?.size ?? 0)
  }

  /** Conflict copies that are not in the local index: the kind keeps them, told of each conflict event. */
  countOtherConflicts(copies: OtherConflicts): void {
    this.#otherConflicts = copies
  }

  /** `from`: the name of the device whose change this is (two-way, received). */
  fileEvent(path: string, action: FileAction, direction: 'in' | 'out' | 'local', detail?: string, from?: string): void {
    this.lastChange = Date.now()
    if (action === 'conflict') this.#otherConflicts?.kept(path, detail)
    this.#events.emitEvent({ type: 'file-changed', folder: this.#id, path, action, direction, version: this.version, ...(detail ? { detail } : {}), ...(from ? { from } : {}) })
  }

  /** A remote path not written here, and why (counted, shown in the file list, logged). */
  refuse(path: string, reason: string): void {
    this.refused++
    this.refusedPaths.set(path, reason)
    this.fileEvent(path, 'refused', 'in', reason)
  }

  warn(message: string, path?: string): void {
    this.#events.emitEvent({ type: 'warning', folder: this.#id, message, ...(path ? { path } : {}) })
  }

  /** Files, bytes and conflict copies this device holds, read live from its local index (status and the UI). */
  countIndexTotals(index: LocalIndex): void {
    this.#index = index
  }

  resetProgress(filesNeeded: number, bytesNeeded: number): void {
    this.progress = { filesNeeded, filesDone: 0, bytesNeeded, bytesDone: 0 }
    this.emitProgress(true)
  }

  addProgress(files: number, bytes: number): void {
    this.progress.filesDone += files
    this.progress.bytesDone += bytes
    this.meter.add(bytes)
    this.emitProgress(false)
  }

  // Progress events are throttled: a 5,000-file sync must not send 5,000 events to every client.
  emitProgress(force: boolean): void {
    const now = Date.now()
    if (!force && now - this.#lastProgressEmit < 250 && this.progress.filesDone < this.progress.filesNeeded) return
    this.#lastProgressEmit = now
    this.#events.emitEvent({ type: 'progress', folder: this.#id, progress: { ...this.progress, rate: this.meter.rate(), peers: this.#peers() } })
    this.#notify()
  }

  /** Bytes still to write in the current pass (for a full-disk message). */
  get bytesLeft(): number {
    return Math.max(0, this.progress.bytesNeeded - this.progress.bytesDone)
  }
}
