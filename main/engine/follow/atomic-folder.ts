import fs from 'node:fs/promises'
import path from 'node:path'
import { FollowFolder } from './follow-folder.ts'
import { LocalIndex } from '../fs/local-index.ts'
import { IgnoreRules } from '../fs/ignore-rules.ts'
import { collectVersionChanges } from '../receive/remote-diff.ts'
import { show } from '../fs/paths.ts'
import { buildVersion } from './atomic-build.ts'
import { removeAtomicTempFiles } from '../fs/temp-files.ts'
import { atomicLayout, completeStaging, currentVersion, newVersionName, pruneVersions, stagingDir, switchTo, versionDir } from './atomic-versions.ts'
import { runAfterUpdateHook, targetVersion } from './follow-policy.ts'
import { ShoalError } from '../../../shared/errors.ts'
import { Wakeup } from '../folder/wakeup.ts'
import { runLiveLoop } from '../receive/live-loop.ts'

// Receive-only folder with atomic updates (`shoal join --atomic`): the folder is a link to a
// complete version; version N+1 is downloaded, built and verified beside it and the link is then
// switched in one rename, so no reader ever sees files of two versions, and an update that fails
// (or a process that dies) midway leaves the folder at N. Layout and crash rules: atomic-versions.ts;
// how a version is built (hard links, verified writes, local edits): atomic-build.ts.
// It is a FollowFolder for everything but how versions reach the disk (history, ignore patterns,
// restore --to are inherited); the live loop mirrors FollowFolder's.
// Pinning (follow-policy.ts targetVersion) and the after-update hook apply as in a live folder: a
// pinned older version is built like any other (a rollback is one more switch). 'Revert local
// changes' does not apply: an edit here never reaches the next version (it is kept as a conflict copy).
export class AtomicFollowFolder extends FollowFolder {
  readonly layout = atomicLayout(this.config.path)
  #applied = 0
  /** Directory of the version the link names (v<N>, see atomic-versions.ts). */
  #current = 'v0'
  #loop: Promise<void> | null = null
  #wakeup = new Wakeup()
  #recheck = false
  #hookAbort = new AbortController()

  #indexFile(name: string): string {
    return path.join(this.ctx.stateDir, `index-${name}.json`)
  }

  protected override async _open(): Promise<void> {
    await this.openFollowedDrive()
    // The link decides which version the folder is at; each version has its own index.
    const current = await currentVersion(this.layout)
    this.#applied = current?.version ?? 0
    this.#current = current?.name ?? 'v0'
    const indexFile = this.#indexFile(this.#current)
    // No index for this version (joined again after 'remove'): re-check the whole tree, adopting
    // the files already there by their content.
    if (this.#applied > 0 && !(await fs.stat(indexFile).catch(() => null))) this.#recheck = true
    this.index = new LocalIndex(indexFile)
    await this.index.ready()
    this.ignore = IgnoreRules.parse(await this.readIgnoreText())
    this.version = this.#applied
    this.countIndexTotals()
    await this.leftoverTempFilesRemoved(removeAtomicTempFiles(this.layout))
    const onChange = () => this.#wakeup.wake()
    this.drive.core.on('append', onChange)
    this.drive.core.on('peer-add', onChange)
    this.drive.core.on('peer-remove', onChange)
    this.watchStoreSpace([this.drive.core])
    this.drive.getBlobs().then(
      (blobs) => blobs && this.watchStoreSpace([blobs.core]),
      () => {} // closed before any peer came: nothing to watch
    )
    if (this.config.paused) this.setState('paused')
    else await this.#start()
  }

  protected override storeSpaceBack(): void {
    this.#wakeup.wake()
  }

  protected override async _close(): Promise<void> {
    this.stopNotify()
    this.#hookAbort.abort()
    this.#wakeup.wake()
    await this.ctx.swarm.leave(this.drive.discoveryKey).catch(() => {})
    await this.drive.close().catch(() => {})
    await this.#loop?.catch(() => {})
    await this.index?.close()
  }

  async #start(): Promise<void> {
    if ((await currentVersion(this.layout)) === null) {
      this.fail(new ShoalError('FOLDER_MISSING', `${this.config.path} is no longer the link Shoal manages for atomic updates; nothing will be written (remove the folder from Shoal and join again).`))
      return
    }
    // An update that did not finish left a staging directory: discard it, it is rebuilt.
    await pruneVersions(this.layout, () => true)
    await this.#discardOrphanIndexes()
    if (!this.ctx.network) {
      this.setState('stopped')
      return
    }
    this.setState('waiting')
    this.ctx.swarm.join(this.drive.discoveryKey, this.id, { server: true, client: true }).catch((err) => this.fail(err))
    this.#loop = this.#run()
  }

  /** Indexes of versions that do not exist (an update stopped after writing its index): debris. */
  async #discardOrphanIndexes(): Promise<void> {
    for (const file of await fs.readdir(this.ctx.stateDir).catch(() => [] as string[])) {
      const m = /^index-(v\d+(?:-[0-9a-f]+)?)\.json(\.journal)?$/.exec(file)
      if (m && !(await fs.lstat(versionDir(this.layout, m[1])).catch(() => null))) await LocalIndex.discard(this.#indexFile(m[1]))
    }
  }

  #run(): Promise<void> {
    return runLiveLoop({
      drive: this.drive,
      wakeup: this.#wakeup,
      peers: () => this.peers,
      stopped: () => this.#stopped,
      nextWork: () => {
        const recheck = this.#recheck
        this.#recheck = false
        // A pinned folder aims at its pinned version, which may be behind (a rollback).
        const target = targetVersion(this.config, this.drive.core.length)
        if (target === null || target <= 0 || (target === this.#applied && !recheck)) return null
        return () =>
          this.#applyUpTo(target, recheck).catch((err: unknown) => {
            this.#recheck ||= recheck // still owed
            throw err
          })
      },
      idle: () => this.setState('idle'),
      waiting: () => {
        if (this.state !== 'error') this.setState('waiting')
      },
      recover: (err) => this.recoverFrom(err, (ms) => this.#wakeup.wait(ms))
    })
  }

  get #stopped(): boolean {
    return this.closing || this.config.paused
  }

  async #applyUpTo(target: number, recheck: boolean): Promise<void> {
    this.setState('syncing')
    const from = recheck ? 0 : this.#applied
    const snapshot = this.drive.checkout(target)
    const index = this.drive.core.download({ start: 0, end: target })
    const prefetch: Array<{ destroy(): void }> = []
    let staging: string | null = null
    try {
      await index.done().catch(() => {}) // a peer that left: the diff below asks block by block
      const found = await collectVersionChanges(snapshot, { from, ignore: this.ignore, retry: [] })
      for (const { drivePath, reason } of found.refused) this.refuseRemote(drivePath, reason)
      for (const c of found.changes) this.refusedPaths.delete(c.drivePath)
      if (found.waiting.length) throw new ShoalError('TIMEOUT', `No peer has said how much content ${show(found.waiting[0])} has yet; ${this.config.path} stays at version ${this.#applied}`)
      const changes = found.changes
      // 1. Fetch the new version's content in the background (each read below waits for its blocks,
      // and gives up after the stall timeout: the folder then stays at its version and asks again).
      const blobs = (await snapshot.getBlobs())?.core
      for (const c of changes) {
        const b = c.entry?.value.blob
        if (blobs && b && b.blockLength > 0) prefetch.push(blobs.download({ start: b.blockOffset, end: b.blockOffset + b.blockLength }))
      }
      this.tally = { filesWritten: 0, bytesLeft: changes.reduce((sum, c) => sum + (c.entry?.value.blob?.byteLength ?? 0), 0) }
      if (this.#stopped) return
      // 2. Build it beside the current version; nothing the user sees changes.
      const name = await newVersionName(this.layout, target)
      staging = stagingDir(this.layout, name)
      await fs.rm(staging, { recursive: true, force: true })
      await fs.mkdir(staging, { recursive: true })
      const entries = await buildVersion({
        snapshot,
        from: versionDir(this.layout, this.#current),
        staging,
        changes,
        index: this.index,
        device: this.ctx.deviceName,
        stallMs: this.ctx.contentStallMs,
        isClosing: () => this.#stopped,
        onStart: (files, bytes) => this.resetProgress(files, bytes),
        onFile: (_p, bytes) => this.addProgress(1, bytes),
        onEvent: (p, action, detail) => {
          if (action === 'conflict') this.conflicts++
          if (action === 'refused') {
            this.refused++
            this.refusedPaths.set(p, detail ?? 'refused')
          }
          this.fileEvent(p, action, 'in', detail)
          if (action === 'refused' || action === 'conflict') this.warn(`${show(p)}: ${detail}`, p)
        }
      })
      staging = null // complete: from here on it becomes the version
      // 3. Its index, then the completion marker (staging renamed to its version name).
      await LocalIndex.discard(this.#indexFile(name))
      const next = new LocalIndex(this.#indexFile(name))
      await next.ready()
      for (const [p, e] of entries) next.set(p, e)
      next.setMeta('appliedVersion', target)
      await next.flush()
      if (this.#stopped) {
        await next.close()
        return
      }
      await completeStaging(this.layout, name)
      // 4. The switch: one rename. From here on the folder is at `target`.
      await switchTo(this.layout, name)
      const previous = this.#applied
      const previousDir = this.#current
      this.#current = name
      const old = this.index
      this.index = next
      this.#applied = target
      this.version = target
      await old.close()
      // 5. Keep the previous version (a reader that resolved the link just before the switch reads
      // it to the end; and it is there for manual recovery); drop the rest.
      for (const removed of await pruneVersions(this.layout, (n) => n === name || n === previousDir)) {
        await LocalIndex.discard(this.#indexFile(removed))
      }
      this.countIndexTotals()
      this.emitProgress(true)
      await runAfterUpdateHook({ id: this.id, config: this.config, events: this.ctx.events }, previous, target, { signal: this.#hookAbort.signal })
    } catch (err) {
      // An unfinished version is thrown away at once (a full disk must not stay full of it); the
      // folder stays at the version the link names and the next try builds it again.
      if (staging) await fs.rm(staging, { recursive: true, force: true })
      if (this.#stopped) return
      throw err
    } finally {
      for (const range of prefetch) range.destroy()
      this.downloading.clear()
      await snapshot.close().catch(() => {}) // closing a checkout only releases its session
    }
  }


  override async writeIgnoreText(text: string): Promise<void> {
    await super.writeIgnoreText(text)
    this.#recheck = true
    this.#wakeup.wake()
  }

  override async pin(version: number | undefined): Promise<void> {
    await super.pin(version)
    this.#wakeup.wake()
  }

  override async revert(): Promise<{ reverted: never[]; keptAs: string[] }> {
    throw new ShoalError('BAD_REQUEST', `${this.config.path} has atomic updates: local edits never reach the next version (each is kept as a conflict copy), so there is nothing to revert`)
  }

  override async pause(): Promise<void> {
    if (this.config.paused) return
    this.config.paused = true
    this.#wakeup.wake()
    await this.ctx.swarm.leave(this.drive.discoveryKey).catch(() => {})
    await this.#loop?.catch(() => {})
    this.#loop = null
    this.setState('paused')
  }

  override async resume(): Promise<void> {
    if (!this.config.paused) return
    this.config.paused = false
    await this.#start()
  }

  override async rescan(): Promise<void> {
    this.#wakeup.wake()
  }
}
