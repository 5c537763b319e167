import fs from 'node:fs/promises'
import nodePath from 'node:path'
import Hyperdrive from 'hyperdrive'
import { writeFileAtomic } from '../fs/safe-write.ts'
import type Corestore from 'corestore'
import { Resource } from '../resource.ts'
import { RateMeter } from './rate-meter.ts'
import type { EventLog } from '../event-log.ts'
import type { SwarmHost } from '../network/swarm-host.ts'
import type { FolderConfig } from '../config.ts'
import { formatLink } from '../../../shared/link.ts'
import type { FolderInfo, FolderState, Progress } from '../../../shared/folder.ts'
import type { FileAction } from '../../../shared/events.ts'
import { ShoalError, toShoalError } from '../../../shared/errors.ts'
import type { LocalIndex } from '../fs/local-index.ts'
import type { IgnoreRules } from '../fs/ignore-rules.ts'
import type Hypercore from 'hypercore'
import { diskFullMessage, isNoSpace, nudgeReplication } from '../fs/disk-space.ts'
import type { StoreSpace } from '../fs/store-space.ts'
import { ScanCancelled } from '../fs/scanner.ts'
import { checkPinVersion } from '../follow/follow-policy.ts'
import type { TempSweep } from '../fs/temp-files.ts'

export interface FolderContext {
  store: Corestore
  swarm: SwarmHost
  events: EventLog
  /** Folder's own state directory (local index) inside the data directory. */
  stateDir: string
  deviceName: string
  rescanIntervalMs: number
  /** Where the store's full disk is waited out, once for every folder (store-space.ts). */
  storeSpace: StoreSpace
  /** How long a receiver waits for a peer to send a block of a file before it says no peer has it. */
  contentStallMs: number
  /** False for one-shot commands that only change configuration: folders do not go online. */
  network: boolean
}

// What every folder kind shares: its drive, state, progress and events. The kinds
// (folder-publish.ts, folder-follow.ts) decide which way data moves.
export abstract class SyncFolder extends Resource {
  readonly config: FolderConfig
  readonly ctx: FolderContext
  drive!: Hyperdrive
  state: FolderState = 'starting'
  error: string | undefined
  /** Version published (publisher) or applied to disk (receiver). */
  version = 0
  files = 0
  bytes = 0
  conflicts = 0
  refused = 0
  lastChange: number | undefined
  /** What this device last saw (publisher) or wrote (receiver) of each file. */
  index!: LocalIndex
  ignore: IgnoreRules | null = null
  /** Remote paths refused for safety, with the reason (shown in the file tree). */
  readonly refusedPaths = new Map<string, string>()
  /** Files being written right now, with their size. */
  readonly downloading = new Map<string, number>()
  protected meter = new RateMeter()
  #updateTimer: NodeJS.Timeout | null = null
  protected progress: Omit<Progress, 'rate' | 'peers'> = { filesNeeded: 0, filesDone: 0, bytesNeeded: 0, bytesDone: 0 }
  #lastProgressEmit = 0
  /** Set while the data directory is full (see watchStoreSpace). */
  #storeFull: Promise<void> | null = null

  constructor(config: FolderConfig, ctx: FolderContext) {
    super()
    this.config = config
    this.ctx = ctx
  }

  get id(): string {
    return this.config.id
  }

  get link(): string {
    return formatLink({ key: this.config.key, ...(this.config.readKey ? { readKey: this.config.readKey } : {}) })
  }

  protected openDrive(drive: Hyperdrive): Promise<void> {
    this.drive = drive
    return drive.ready()
  }

  get peers(): number {
    return this.drive?.core?.peers?.length ?? 0
  }

  /** Latest length known of the drive (0 while a receiver has not heard from any peer). */
  get remoteVersion(): number {
    return this.drive?.core?.length ?? 0
  }

  info(): FolderInfo {
    return {
      id: this.config.id,
      name: this.config.name,
      path: this.config.path,
      kind: this.config.kind,
      key: this.config.key,
      link: this.link,
      ...(this.config.readKey ? { seedLink: formatLink({ key: this.config.key, seedOnly: true }) } : {}),
      version: this.version,
      remoteVersion: Math.max(this.version, this.remoteVersion),
      state: this.state,
      ...(this.error ? { error: this.error } : {}),
      paused: this.config.paused,
      progress: { ...this.progress, rate: this.meter.rate(), peers: this.peers },
      files: this.files,
      bytes: this.bytes,
      conflicts: this.conflicts,
      refused: this.refused,
      ...(this.lastChange ? { lastChange: this.lastChange } : {})
    }
  }

  /** Files and bytes this device holds, from its local index (shown in status and the UI). */
  protected countIndexTotals(): void {
    let files = 0
    let bytes = 0
    for (const [, entry] of this.index.entries()) {
      files++
      bytes += entry.size
    }
    this.files = files
    this.bytes = bytes
  }

  protected setState(state: FolderState, error?: string): void {
    if (state === this.state && error === this.error) return
    this.state = state
    this.error = error
    this.ctx.events.emitEvent({ type: 'folder-state', folder: this.id, state, version: this.version, ...(error ? { error } : {}) })
    this.notify()
  }

  /** Sends the whole folder row to clients, at most every 250 ms (the UI renders from it). */
  notify(): void {
    if (this.#updateTimer || this.closed) return
    this.#updateTimer = setTimeout(() => {
      this.#updateTimer = null
      if (!this.closed) this.ctx.events.emitEvent({ type: 'folder-updated', folder: this.id, info: this.info() })
    }, 250)
  }

  protected stopNotify(): void {
    if (this.#updateTimer) clearTimeout(this.#updateTimer)
    this.#updateTimer = null
  }

  protected fail(err: unknown): void {
    if (err instanceof ScanCancelled) return // stopped on purpose (pause, close): not a failure
    const e = toShoalError(err)
    this.setState('error', e.message)
    this.ctx.events.emitEvent({ type: 'error', folder: this.id, code: e.code, message: e.message })
  }

  /**
   * A receiving core that cannot store a block (the data directory is full) fails quietly inside
   * Hypercore and never asks again. Watch for that: report it, wait for space, then nudge the
   * cores so they request what is missing, and let the kind go on (storeSpaceBack).
   */
  protected watchStoreSpace(cores: Hypercore[]): void {
    for (const core of cores) {
      core.on('verification-error', (err: unknown) => {
        if (!isNoSpace(err) || this.#storeFull || this.closing) return
        this.#storeFull = this.#waitOutFullStore(cores).finally(() => {
          this.#storeFull = null
        })
      })
    }
  }

  async #waitOutFullStore(cores: Hypercore[]): Promise<void> {
    const space = this.ctx.storeSpace
    const needed = Math.max(0, this.progress.bytesNeeded - this.progress.bytesDone)
    this.fail(new ShoalError('DISK_FULL', diskFullMessage(`the data directory (${space.dataDir}) is full`, await space.free(), needed)))
    await space.full()
    if (this.closing) return
    for (const c of cores) nudgeReplication(c)
    if (this.state === 'error') this.setState('syncing')
    this.storeSpaceBack()
  }

  /** The data directory has room again after being full: kinds pick up where they stopped. */
  protected storeSpaceBack(): void {}

  protected fileEvent(path: string, action: FileAction, direction: 'in' | 'out' | 'local', detail?: string): void {
    this.lastChange = Date.now()
    this.ctx.events.emitEvent({ type: 'file-changed', folder: this.id, path, action, direction, version: this.version, ...(detail ? { detail } : {}) })
  }

  protected warn(message: string, path?: string): void {
    this.ctx.events.emitEvent({ type: 'warning', folder: this.id, message, ...(path ? { path } : {}) })
  }

  /**
   * Waits for the removal of the temp files an earlier crash left in this folder (temp-files.ts);
   * every kind does it when it opens, before anything of its own writes there.
   */
  protected async leftoverTempFilesRemoved(sweep: Promise<TempSweep>): Promise<void> {
    const { failed } = await sweep
    for (const f of failed) this.warn(`Could not remove ${f.path}, a temp file left by an interrupted write (${f.reason})`)
  }

  protected resetProgress(filesNeeded: number, bytesNeeded: number): void {
    this.progress = { filesNeeded, filesDone: 0, bytesNeeded, bytesDone: 0 }
    this.emitProgress(true)
  }

  protected addProgress(files: number, bytes: number): void {
    this.progress.filesDone += files
    this.progress.bytesDone += bytes
    this.meter.add(bytes)
    this.emitProgress(false)
  }

  // Progress events are throttled: a 5,000-file sync must not send 5,000 events to every client.
  protected emitProgress(force: boolean): void {
    const now = Date.now()
    if (!force && now - this.#lastProgressEmit < 250 && this.progress.filesDone < this.progress.filesNeeded) return
    this.#lastProgressEmit = now
    this.ctx.events.emitEvent({ type: 'progress', folder: this.id, progress: { ...this.progress, rate: this.meter.rate(), peers: this.peers } })
    this.notify()
  }

  /** Text of this folder's ignore patterns, as the user edits it. */
  abstract readIgnoreText(): Promise<string>
  abstract writeIgnoreText(text: string): Promise<void>

  abstract pause(): Promise<void>
  abstract resume(): Promise<void>
  abstract rescan(): Promise<void>

  /** Writes `path` as it was at `version` to a file of the user's choice (never into the folder). */
  async restoreTo(drivePath: string, version: number, to: string): Promise<{ path: string; bytes: number }> {
    const { data, entry } = await this.readAt(drivePath, version)
    const target = nodePath.resolve(to)
    await fs.mkdir(nodePath.dirname(target), { recursive: true })
    await writeFileAtomic(nodePath.dirname(target), nodePath.basename(target), data, { executable: entry.value.executable })
    return { path: target, bytes: data.length }
  }

  /** Content of `path` as it was at `version`; throws FILE_NOT_FOUND / VERSION_NOT_FOUND. */
  async readAt(path: string, version: number): Promise<{ data: Buffer; entry: Hyperdrive.Entry }> {
    if (version > this.drive.version) throw new ShoalError('VERSION_NOT_FOUND', `Version ${version} does not exist yet (latest is ${this.drive.version})`)
    // A position inside a publisher's batch is no snapshot: reading it fails deep in Hyperbee.
    // (Version 1 is the empty drive: the file is simply not there, said below.)
    if (version > 1) await checkPinVersion(this.drive, version)
    const snapshot = this.drive.checkout(version)
    try {
      const entry = await snapshot.entry(path, { timeout: 15_000 }).catch((err) => {
        const e = toShoalError(err)
        if (e.code !== 'INTERNAL') throw e // not here and no peer sent it: said in words
        throw new ShoalError('VERSION_NOT_FOUND', `Version ${version} cannot be read (${e.message}); use a version listed by 'shoal log'`)
      })
      if (!entry || !entry.value.blob) throw new ShoalError('FILE_NOT_FOUND', `${path} does not exist at version ${version}`)
      const data = await snapshot.get(path, { timeout: 30_000 }).catch((err) => {
        throw toShoalError(err)
      })
      if (!data) throw new ShoalError('FILE_NOT_FOUND', `${path} has no content at version ${version}`)
      return { data, entry }
    } finally {
      await snapshot.close().catch(() => {})
    }
  }
}
