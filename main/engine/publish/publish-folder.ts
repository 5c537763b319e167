import fs from 'node:fs/promises'
import path from 'node:path'
import Hyperdrive from 'hyperdrive'
import { SyncFolder } from '../folder/folder.ts'
import { LocalIndex } from '../fs/local-index.ts'
import { IgnoreRules, IGNORE_FILE } from '../fs/ignore-rules.ts'
import { FolderWatcher } from '../fs/watcher.ts'
import { scanFolder, scanPaths, applyToIndex, ScanCancelled, type Change } from '../fs/scanner.ts'
import { commitChanges } from '../drive/drive-import.ts'
import { writeFileAtomic } from '../fs/safe-write.ts'
import { withRegularFile } from '../fs/file-read.ts'
import { removeTempFiles } from '../fs/temp-files.ts'
import { ShoalError, toShoalError } from '../../../shared/errors.ts'
import { diskFullMessage } from '../fs/disk-space.ts'

// Send-only folder (Syncthing's folder_sendonly): this device owns the drive and publishes every
// local change as a new version. Nothing is ever written into the folder except an explicit restore.
export class PublishFolder extends SyncFolder {
  #watcher: FolderWatcher | null = null
  #timer: NodeJS.Timeout | null = null
  #queue: Promise<unknown> = Promise.resolve()
  /** Set while a full data directory is waited out (see #failed). */
  #waitingForSpace: Promise<void> | null = null
  /** Resolves when the first full scan has been committed. */
  firstScan: Promise<void> = Promise.resolve()

  static namespace(id: string): string {
    return `publish/${id}`
  }

  protected async _open(): Promise<void> {
    // Encrypted shares (share --encrypt): the key lives in the config, Hypercore does not persist it.
    const encryptionKey = this.config.readKey ? Buffer.from(this.config.readKey, 'hex') : null
    await this.openDrive(new Hyperdrive(this.ctx.store.namespace(PublishFolder.namespace(this.id)), null, { encryptionKey }))
    if (this.config.key && this.drive.key.toString('hex') !== this.config.key) {
      throw new ShoalError('INTERNAL', `The drive of ${this.config.path} does not match its key; the data directory may be from another device`)
    }
    this.version = this.drive.version
    this.index = new LocalIndex(path.join(this.ctx.stateDir, 'index.json'))
    await this.index.ready()
    this.countIndexTotals()
    await this.leftoverTempFilesRemoved(removeTempFiles(this.config.path))
    if (this.ctx.network) this.ctx.swarm.join(this.drive.discoveryKey, this.id, { server: true, client: true }).catch((err) => this.fail(err))
    if (this.config.paused) this.setState('paused')
    else if (this.ctx.network) this.firstScan = this.#start()
    else this.setState('stopped') // a one-shot command: don't rescan every folder for nothing
  }

  /** Scans and publishes once without going online (sharing from the CLI with no daemon running). */
  async publishOnce(): Promise<void> {
    await this.#checkFolder()
    this.ignore = await IgnoreRules.load(this.config.path)
    await this.#enqueue(() => this.#fullScan())
    if (this.state === 'error') throw new ShoalError('INTERNAL', this.error ?? 'scan failed')
  }

  protected async _close(): Promise<void> {
    this.stopNotify()
    await this.#stop()
    // Ends within a moment: a running scan or commit sees #cancelled() and stops.
    await this.#queue.catch(() => {})
    await this.ctx.swarm.leave(this.drive.discoveryKey).catch(() => {})
    await this.index?.close()
    await this.drive?.close()
  }

  async #start(): Promise<void> {
    try {
      await this.#checkFolder()
      this.ignore = await IgnoreRules.load(this.config.path)
      if (this.ctx.network) {
        // The watcher is up before the first scan: chokidar reports nothing that happens during
        // its own initial crawl, so a file saved while Shoal starts would otherwise wait for the
        // next periodic rescan. Events queue behind the scan.
        this.#watcher = new FolderWatcher({
          root: this.config.path,
          ignore: this.ignore,
          onChanges: (paths) => {
            this.#enqueue(() => this.#partialScan(paths)).catch(() => {})
          },
          onError: (err) => this.fail(err)
        })
        await this.#watcher.ready()
      }
      await this.#enqueue(() => this.#fullScan())
      if (this.closing || this.config.paused || !this.ctx.network) return
      this.#timer = setInterval(() => {
        this.#enqueue(() => this.#fullScan()).catch(() => {})
      }, this.ctx.rescanIntervalMs)
      this.#timer.unref()
    } catch (err) {
      this.fail(err)
    }
  }

  async #stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = null
    const watcher = this.#watcher
    this.#watcher = null
    await watcher?.close()
  }

  async #checkFolder(): Promise<void> {
    const stat = await fs.stat(this.config.path).catch(() => null)
    if (!stat || !stat.isDirectory()) {
      throw new ShoalError('FOLDER_MISSING', `Folder ${this.config.path} is missing or not a folder; nothing was published. Reconnect the disk or remove the folder from Shoal.`)
    }
  }

  /** A pause or close stops the running scan or commit: nothing of it is published. */
  readonly #cancelled = (): boolean => this.closing || this.config.paused

  // Scans and commits run one at a time, in order, so versions follow the order of changes on disk.
  #enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(() => (this.closing ? (undefined as T) : fn()))
    this.#queue = run.catch(() => {})
    return run
  }

  async #fullScan(): Promise<void> {
    this.setState('scanning')
    try {
      // .shoalignore may have changed; reload so new patterns apply on this pass.
      this.ignore = await IgnoreRules.load(this.config.path)
      this.#watcher?.setIgnore(this.ignore!)
      const result = await scanFolder(this.config.path, this.index, this.ignore!, { isCancelled: this.#cancelled })
      for (const w of result.warnings) this.warn(`${w.path}: ${w.reason}`, w.path)
      await this.#commit(result.changes)
      this.setState('idle')
    } catch (err) {
      this.#failed(err)
    }
  }

  /**
   * A scan or commit that failed is reported. On a full data directory nothing was published
   * (the batch is atomic, the index unchanged): a full scan is owed once space is freed.
   */
  #failed(err: unknown): void {
    if (err instanceof ScanCancelled) return
    const e = toShoalError(err)
    if (e.code !== 'DISK_FULL') return this.fail(e)
    if (this.#waitingForSpace) return
    const space = this.ctx.storeSpace
    this.#waitingForSpace = (async () => {
      this.fail(new ShoalError('DISK_FULL', diskFullMessage(`the data directory (${space.dataDir}) is full; nothing of the last change was published`, await space.free(), 0)))
      await space.full()
      this.#waitingForSpace = null
      if (!this.#cancelled()) await this.#enqueue(() => this.#fullScan())
    })()
  }

  async #partialScan(paths: string[]): Promise<void> {
    try {
      if (paths.includes('/.shoalignore')) {
        this.ignore = await IgnoreRules.load(this.config.path)
        this.#watcher?.setIgnore(this.ignore!)
      }
      const result = await scanPaths(this.config.path, paths, this.index, this.ignore!, { isCancelled: this.#cancelled })
      for (const w of result.warnings) this.warn(`${w.path}: ${w.reason}`, w.path)
      await this.#commit(result.changes)
      if (this.state !== 'idle') this.setState('idle')
    } catch (err) {
      this.#failed(err)
    }
  }

  async #commit(changes: Change[]): Promise<void> {
    if (changes.length === 0) return
    const real = changes.filter((c) => c.type !== 'touch')
    const bytes = real.reduce((sum, c) => sum + (c.type === 'delete' ? 0 : c.entry.size), 0)
    if (real.length) this.resetProgress(real.length, bytes)
    const committed = await commitChanges(this.drive, this.config.path, changes, this.#cancelled)
    const applied: Change[] = []
    for (const { change, entry, skipped } of committed) {
      if (skipped) continue
      applied.push(entry && change.type !== 'delete' ? ({ ...change, entry } as Change) : change)
    }
    applyToIndex(this.index, applied)
    await this.index.flush()
    this.version = this.drive.version
    this.countIndexTotals()
    this.notify()
    for (const change of applied) {
      if (change.type === 'touch') continue
      const action = change.type === 'add' ? 'added' : change.type === 'change' ? 'changed' : change.type === 'delete' ? 'deleted' : 'renamed'
      this.fileEvent(change.path, action, 'out', change.type === 'rename' ? change.from : undefined)
      this.addProgress(1, change.type === 'delete' ? 0 : change.entry.size)
    }
    this.emitProgress(true)
  }


  async readIgnoreText(): Promise<string> {
    return withRegularFile(path.join(this.config.path, IGNORE_FILE), {}, (f) => f.readAll()).then(
      (buf) => buf.toString('utf8'),
      () => '' // no readable .shoalignore: the editor starts empty
    )
  }

  // Patterns live in the folder as .shoalignore, so they are published (and versioned) with it.
  async writeIgnoreText(text: string): Promise<void> {
    IgnoreRules.parse(text)
    await writeFileAtomic(this.config.path, IGNORE_FILE, Buffer.from(text))
    await this.rescan()
  }

  async pause(): Promise<void> {
    this.config.paused = true
    await this.#stop()
    this.setState('paused')
  }

  async resume(): Promise<void> {
    if (!this.config.paused) return
    this.config.paused = false
    this.firstScan = this.#start()
  }

  async rescan(): Promise<void> {
    if (this.config.paused) return
    await this.#enqueue(() => this.#fullScan())
  }

  /** Puts the content of `drivePath` at `version` back into the folder (the watcher then publishes it). */
  async restore(drivePath: string, version: number, to?: string): Promise<{ path: string; bytes: number }> {
    if (to) return this.restoreTo(drivePath, version, to)
    const { data, entry } = await this.readAt(drivePath, version)
    const rel = drivePath.replace(/^\/+/, '')
    await writeFileAtomic(this.config.path, rel, data, { executable: entry.value.executable })
    this.fileEvent(drivePath, 'restored', 'local', `version ${version}`)
    // Publish the restored content as a new version right away (the watcher would, a bit later).
    await this.#enqueue(() => this.#partialScan([drivePath]))
    return { path: path.join(this.config.path, rel), bytes: data.length }
  }
}
