import fs from 'node:fs/promises'
import path from 'node:path'
import Hyperdrive from 'hyperdrive'
import { SyncFolder } from '../folder/folder.ts'
import { LocalIndex } from '../fs/local-index.ts'
import { IgnoreRules } from '../fs/ignore-rules.ts'
import { applyRemoteChanges } from '../receive/remote-apply.ts'
import { collectVersionChanges } from '../receive/remote-diff.ts'
import { MissingFiles } from '../receive/missing-files.ts'
import { diskFullMessage, freeSpace, waitForSpace } from '../fs/disk-space.ts'
import { show } from '../fs/paths.ts'
import { writeStateFile } from '../fs/state-file.ts'
import { removeTempFiles } from '../fs/temp-files.ts'
import { checkPinVersion, runAfterUpdateHook, targetVersion } from './follow-policy.ts'
import { listLocalChanges, revertLocalChanges, type DriftFolder } from './local-changes.ts'
import { hexToBytes } from '../../../shared/link.ts'
import type { FolderInfo, LocalChange } from '../../../shared/folder.ts'
import { ShoalError, toShoalError } from '../../../shared/errors.ts'
import { explainReadError } from '../drive/read-errors.ts'
import { Wakeup } from '../folder/wakeup.ts'
import { runLiveLoop } from '../receive/live-loop.ts'

// Receive-only folder (Syncthing's folder_recvonly): follows a published drive live and writes each
// new version into the local folder. What it wrote is remembered in a local index, so it can tell
// its own files from files the user made or changed (which it never deletes or silently replaces).
export class FollowFolder extends SyncFolder {
  #applied = 0
  #loop: Promise<void> | null = null
  #wakeup = new Wakeup()
  /** Set when receiver ignore patterns change: the next pass re-checks the whole tree. */
  #recheck = false
  /** Applying a version and reverting local changes never run at the same time. */
  #lock: Promise<unknown> = Promise.resolve()
  /** Local changes counted by the last check (shown in info()). */
  #localChanges: number | undefined
  #hookAbort = new AbortController()
  /** Lets pause() stop waiting for a running hook (which finishes, and reports, on its own). */
  #releaseHook: (() => void) | null = null
  /** Files whose content no peer sent in time: retried on the next pass (persisted in the index). */
  #missing = new MissingFiles()
  /** What the current (or last) pass wrote, for the disk-full message. */
  protected tally = { filesWritten: 0, bytesLeft: 0 }
  /** Passes that failed in a row (the back-off before the next try grows with them). */
  protected failures = 0

  protected async _open(): Promise<void> {
    await this.openFollowedDrive()
    this.index = new LocalIndex(path.join(this.ctx.stateDir, 'index.json'))
    await this.index.ready()
    this.#applied = Number(this.index.getMeta('appliedVersion') ?? 0)
    this.#missing.set(this.index.getMeta<string[]>('missing') ?? [])
    this.ignore = IgnoreRules.parse(await this.readIgnoreText())
    this.version = this.#applied
    this.countIndexTotals()
    await this.leftoverTempFilesRemoved(removeTempFiles(this.config.path))
    const onChange = () => this.#wakeup.wake()
    this.drive.core.on('append', onChange)
    this.drive.core.on('peer-add', () => {
      this.#missing.retryNow() // a new peer may have what the others did not
      onChange()
    })
    this.drive.core.on('peer-remove', onChange)
    this.watchStoreSpace([this.drive.core])
    // The content core is known once a peer sent the first proof; watch it from then on.
    this.drive.getBlobs().then(
      (blobs) => blobs && this.watchStoreSpace([blobs.core]),
      () => {} // closed before any peer came: nothing to watch
    )
    if (this.config.paused) this.setState('paused')
    else await this.#start()
  }

  /** The publisher's drive, read with the link's read key when the folder is encrypted. */
  protected openFollowedDrive(): Promise<void> {
    const encryptionKey = this.config.readKey ? Buffer.from(hexToBytes(this.config.readKey)) : null
    return this.openDrive(new Hyperdrive(this.ctx.store.session(), Buffer.from(hexToBytes(this.config.key)), { encryptionKey }))
  }

  protected override storeSpaceBack(): void {
    this.#missing.retryNow()
    this.#wakeup.wake()
  }

  protected async _close(): Promise<void> {
    this.stopNotify()
    this.#hookAbort.abort()
    this.#wakeup.wake()
    await this.ctx.swarm.leave(this.drive.discoveryKey).catch(() => {})
    // Closing the drive ends any read that waits for a block, so the loop can finish.
    await this.drive.close().catch(() => {})
    await this.#loop?.catch(() => {})
    await this.index?.close()
  }

  async #start(): Promise<void> {
    const stat = await fs.stat(this.config.path).catch(() => null)
    if (!stat || !stat.isDirectory()) {
      this.fail(new ShoalError('FOLDER_MISSING', `Folder ${this.config.path} is missing or not a folder; nothing will be written until it is back (reconnect the disk, or remove and join again).`))
      return
    }
    if (!this.ctx.network) {
      this.setState('stopped')
      return
    }
    this.setState('waiting')
    this.ctx.swarm.join(this.drive.discoveryKey, this.id, { server: true, client: true }).catch((err) => this.fail(err))
    this.#loop = this.#run()
  }

  #run(): Promise<void> {
    return runLiveLoop({
      drive: this.drive,
      wakeup: this.#wakeup,
      peers: () => this.peers,
      stopped: () => this.closing || this.config.paused,
      nextWork: () => {
        if (this.#recheck) {
          this.#recheck = false
          this.#applied = 0
        }
        // core.length, not drive.version: an empty reader reports version 1 before it knows anything.
        // A pinned folder aims at its pinned version, which may be behind (a rollback).
        const target = targetVersion(this.config, this.drive.core.length)
        if (target === null || target <= 0) return null
        if (target === this.#applied && !this.#missing.due()) return null
        return () => this.#exclusive(() => this.#applyUpTo(target))
      },
      idle: () => this.#settled(),
      waiting: () => {
        if (this.state !== 'error') this.setState('waiting', this.#missing.message())
      },
      recover: (err) => this.recoverFrom(err, (ms) => this.#wakeup.wait(ms))
    })
  }

  /** Up to date as far as peers allow: idle, or waiting for content no peer has sent yet. */
  #settled(): void {
    const owed = this.#missing.message()
    this.setState(owed ? 'waiting' : 'idle', owed)
  }

  /**
   * A pass failed: say why, then wait until trying again makes sense: space freed on a full disk,
   * a peer or a back-off when content is missing, a growing back-off otherwise. `wait` sleeps
   * until the folder's live loop is woken (a peer, a new version, pause, close) or `ms` passed.
   */
  protected async recoverFrom(err: unknown, wait: (ms: number) => Promise<void>): Promise<void> {
    const e = toShoalError(explainReadError(err)) // no or wrong read key: say so
    this.failures++
    if (e.code === 'DISK_FULL') {
      const free = await freeSpace(this.config.path)
      const { filesWritten, bytesLeft } = this.tally
      this.fail(new ShoalError('DISK_FULL', diskFullMessage(`${this.config.path} is full; ${filesWritten} ${filesWritten === 1 ? 'file was' : 'files were'} written`, free, bytesLeft)))
      await waitForSpace(this.config.path, free, { signal: this.#stopSignal() })
      return
    }
    if (e.code === 'TIMEOUT') this.setState('waiting', e.message)
    else this.fail(e)
    await wait(Math.min(60_000, 1000 * 2 ** Math.min(this.failures, 6)))
  }

  #stopSignal(): AbortSignal {
    const ac = new AbortController()
    const check = setInterval(() => {
      if (this.closing || this.config.paused) ac.abort()
    }, 200)
    ac.signal.addEventListener('abort', () => clearInterval(check))
    check.unref()
    setTimeout(() => ac.abort(), 120_000).unref()
    return ac.signal
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn)
    this.#lock = run.catch(() => {}) // the caller gets the error; the lock only orders the work
    return run
  }

  protected refuseRemote(drivePath: string, reason: string): void {
    this.refused++
    this.refusedPaths.set(drivePath, reason)
    this.fileEvent(drivePath, 'refused', 'in', reason)
    this.warn(`Refused a file from the publisher: ${reason}`, drivePath)
  }

  /** Moves the folder to `target` (forwards, or backwards to a pinned older version). */
  async #applyUpTo(target: number): Promise<void> {
    this.setState('syncing')
    const before = this.version
    const snapshot = this.drive.checkout(target)
    // Fetch the file index in bulk first: walking the diff over a sparse index would otherwise
    // wait one round trip per tree node (3.7 s for 5,000 files on loopback).
    const index = this.drive.core.download({ start: 0, end: target })
    try {
      await index.done().catch(() => {}) // a peer that left: the diff below asks block by block
      const found = await collectVersionChanges(snapshot, { from: this.#applied, ignore: this.ignore, retry: this.#missing.paths() })
      for (const { drivePath, reason } of found.refused) this.refuseRemote(drivePath, reason)
      for (const c of found.changes) this.refusedPaths.delete(c.drivePath)
      const missing = new Set(found.waiting)
      // Fetch every needed block in the background while files are written one by one.
      snapshot.downloadDiff(this.#applied).catch(() => {}) // best effort: each read waits for its blocks anyway
      this.tally = { filesWritten: 0, bytesLeft: 0 }
      await applyRemoteChanges(
        snapshot,
        found.changes,
        {
          root: this.config.path,
          index: this.index,
          batch: { dirsToSync: new Set() },
          device: this.ctx.deviceName,
          stallMs: this.ctx.contentStallMs,
          isClosing: () => this.closing || this.config.paused,
          onStart: (files, bytes) => this.resetProgress(files, bytes),
          onFileStart: (p, bytes) => this.downloading.set(p, bytes),
          onFile: (p) => {
            this.downloading.delete(p)
            this.addProgress(1, 0)
          },
          onBytes: (bytes) => this.addProgress(0, bytes),
          onMissing: (p) => missing.add(p),
          onEvent: (p, action, detail) => {
            if (action === 'conflict') this.conflicts++
            if (action === 'refused') {
              this.refused++
              this.refusedPaths.set(p, detail ?? 'refused')
            }
            this.fileEvent(p, action, 'in', detail)
            if (action === 'refused' || action === 'conflict') this.warn(`${show(p)}: ${detail}`, p)
          }
        },
        this.tally
      )
      if (this.closing || this.config.paused) return
      this.#missing.set(missing)
      this.#applied = target
      this.version = target
      this.index.setMeta('appliedVersion', target)
      this.index.setMeta('missing', [...missing])
      await this.index.flush()
      this.countIndexTotals()
      this.#localChanges = undefined
      this.failures = 0
      this.emitProgress(true)
      if (missing.size > 0) this.warn(this.#missing.message()!)
    } finally {
      this.downloading.clear()
      await snapshot.close().catch(() => {}) // closing a checkout only releases its session
    }
    // After each version applied (never fatal: a failure is a warning event).
    const hook = runAfterUpdateHook({ id: this.id, config: this.config, events: this.ctx.events }, before, target, { signal: this.#hookAbort.signal })
    await Promise.race([hook, new Promise<void>((resolve) => (this.#releaseHook = resolve))])
    this.#releaseHook = null
  }

  override info(): FolderInfo {
    return {
      ...super.info(),
      ...(this.config.pinned !== undefined ? { pinned: this.config.pinned } : {}),
      ...(this.config.hook ? { hook: this.config.hook } : {}),
      ...(this.#localChanges !== undefined ? { localChanges: this.#localChanges } : {})
    }
  }

  /** Holds the folder at `version` (rolling back if it is older); undefined follows the latest again. */
  async pin(version: number | undefined): Promise<void> {
    if (version !== undefined) {
      await this.drive.update({ wait: false }).catch(() => false)
      await checkPinVersion(this.drive, version)
    }
    if (version === undefined) delete this.config.pinned
    else this.config.pinned = version
    this.#wakeup.wake()
    this.notify()
  }

  setHook(command: string | null): void {
    if (command) this.config.hook = command
    else delete this.config.hook
    this.notify()
  }

  #drift(): DriftFolder {
    return { root: this.config.path, index: this.index, ignore: this.ignore, device: this.ctx.deviceName }
  }

  async localChanges(): Promise<LocalChange[]> {
    const changes = await this.#exclusive(() => listLocalChanges(this.#drift()))
    this.#localChanges = changes.length
    this.notify()
    return changes
  }

  /** Restores the published state this folder is at; the user's files are kept as conflict copies. */
  async revert(): Promise<{ reverted: LocalChange[]; keptAs: string[] }> {
    return this.#exclusive(async () => {
      const changes = await listLocalChanges(this.#drift())
      if (changes.length === 0) return { reverted: [], keptAs: [] }
      if (this.#applied === 0) throw new ShoalError('BAD_REQUEST', `${this.config.path} has not received any version yet: there is no published state to revert to`)
      const snapshot = this.drive.checkout(this.#applied)
      try {
        const result = await revertLocalChanges(this.#drift(), snapshot, changes)
        for (const p of result.keptAs) this.fileEvent(p, 'conflict', 'local', 'kept by revert')
        for (const c of result.reverted) if (c.kind !== 'added') this.fileEvent(c.path, 'restored', 'in')
        this.countIndexTotals()
        this.#localChanges = (await listLocalChanges(this.#drift())).length
        this.notify()
        return result
      } finally {
        await snapshot.close().catch(() => {})
      }
    })
  }


  #ignoreFile(): string {
    return path.join(this.ctx.stateDir, 'ignore.txt')
  }

  async readIgnoreText(): Promise<string> {
    return fs.readFile(this.#ignoreFile(), 'utf8').catch(() => '')
  }

  // A receiver's patterns stay on this device (the publisher's .shoalignore is just a file here).
  // Changing them re-checks the whole tree so newly un-ignored files arrive.
  async writeIgnoreText(text: string): Promise<void> {
    const rules = IgnoreRules.parse(text)
    await writeStateFile(path.join(this.ctx.stateDir, 'ignore.txt'), text)
    this.ignore = rules
    this.#recheck = true
    this.#wakeup.wake()
  }

  async pause(): Promise<void> {
    if (this.config.paused) return
    this.config.paused = true
    this.#wakeup.wake()
    this.#releaseHook?.()
    await this.ctx.swarm.leave(this.drive.discoveryKey).catch(() => {})
    await this.#loop?.catch(() => {})
    this.#loop = null
    this.setState('paused')
  }

  async resume(): Promise<void> {
    if (!this.config.paused) return
    this.config.paused = false
    await this.#start()
  }

  async rescan(): Promise<void> {
    this.#wakeup.wake()
  }

  /** A receiver's folder mirrors the publisher, so an old version is written where the user says. */
  async restore(drivePath: string, version: number, to?: string): Promise<{ path: string; bytes: number }> {
    if (!to) throw new ShoalError('BAD_REQUEST', `${this.config.path} is a read-only copy: choose where to save the old version (--to FILE)`)
    return this.restoreTo(drivePath, version, to)
  }
}
