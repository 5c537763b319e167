// Join (Syncthing's folder_recvonly): follows a published drive live and brings the local folder
// to each new version (or to a pinned one), through the one receiving path: collect what the
// version changes and refuse what is bad (receive/remote-diff.ts), then write it (a VersionWriter:
// live, or atomic). What it wrote is remembered in a local index, so it can tell its own files
// from files the user made or changed, which it never deletes or silently replaces.
import path from 'node:path'
import Hyperdrive from 'hyperdrive'
import type { FolderRunner } from '../folder/runner.ts'
import type { Capabilities, FolderKind } from '../folder/kind.ts'
import type { VersionWriter } from './version-writer.ts'
import { LiveWriter } from './live-writer.ts'
import { AtomicWriter } from './atomic-writer.ts'
import { IgnoreRules } from '../fs/ignore-rules.ts'
import { readStateFile, writeStateFile } from '../fs/state-file.ts'
import { collectVersionChanges } from '../receive/remote-diff.ts'
import { MissingFiles } from '../receive/missing-files.ts'
import { ConflictCopies } from './conflict-copies.ts'
import { receiverConflicts } from './receiver-conflicts.ts'
import type { RemoteChange } from '../receive/remote-apply.ts'
import { validateRemotePath } from '../fs/paths.ts'
import type { Folding } from '../fs/name-folding.ts'
import { freedNames, refuseCollisions } from '../receive/name-collisions.ts'
import { HeldState, heldMessage, isMassDelete, type HeldRecord } from '../folder/delete-guard.ts'
import { drivePeerKeys, driveTopics, shareLink } from '../drive/drive-peers.ts'
import { readVersionLog } from '../drive/history.ts'
import { restoreTo } from '../drive/restore.ts'
import { driveHistory, type HistoryKeeper } from '../drive/history-keeper.ts'
import { dropStoredContent } from '../drive/store-copy.ts'
import { compactStore } from '../drive/retention.ts'
import { listFileRows } from '../drive/file-tree.ts'
import { closeFailedDrive, explainReadError } from '../drive/read-errors.ts'
import { runAfterUpdateHook } from './follow-policy.ts'
import { numberAt } from '../drive/version-numbers.ts'
import { VersionTarget } from './version-target.ts'
import { listLocalChanges, revertLocalChanges, type DriftFolder } from './local-changes.ts'
import { hexToBytes } from '../../../shared/link.ts'
import type { FolderInfo, LocalChange } from '../../../shared/folder.ts'
import { ShoalError } from '../../../shared/errors.ts'
import { letGo } from '../../../shared/let-go.ts'

/** How long a new receiver waits for peers before it says it is waiting for them. */
const FINDING_PEERS_MS = 10_000

export class Follow implements FolderKind {
  readonly hasFolder = true
  readonly #f: FolderRunner
  readonly #writer: VersionWriter
  drive!: Hyperdrive
  readonly capabilities: Capabilities
  /** Files whose content no peer sent in time: retried on the next pass (live folders). */
  #missing = new MissingFiles()
  /** Local changes counted by the last check (shown in info()). */
  #localChanges: number | undefined
  #hookAbort = new AbortController()
  /** Lets pause() stop waiting for a running hook (which finishes, and reports, on its own). */
  #releaseHook: (() => void) | null = null
  #foundPeers: (() => void) | null = null
  /** Deletes of a version that the mass-delete guard holds (still on disk and in the index). */
  readonly #held: HeldState
  readonly #history: HistoryKeeper
  /** The version aimed at: the latest, or the pinned one (numbers users see, positions the writer takes). */
  readonly #target: VersionTarget
  /** The user's edits kept aside as conflict copies (counted in the folder's conflicts). */
  readonly #copies: ConflictCopies
  /** What the folder's filesystem treats as one name (probed at the first pass). */
  #folding: Folding | null = null
  /** Files refused because their name is taken here under another spelling (until a restart). */
  readonly #nameRefused = new Set<string>()

  constructor(f: FolderRunner, atomic: boolean) {
    this.#f = f
    this.#writer = atomic ? new AtomicWriter(f) : new LiveWriter(f)
    this.#held = new HeldState(f.ctx.stateDir, (held) => f.status.setHeld(held))
    this.#copies = new ConflictCopies({ root: f.config.path, file: path.join(f.ctx.stateDir, 'conflict-copies.json'), index: () => this.#writer.index, changed: () => f.notify() })
    // What the folder shows (and a pinned version) stays restorable whatever the policy.
    this.#target = new VersionTarget(() => this.drive, () => f.config.pinned)
    this.#history = driveHistory(f, () => this.drive, () => Math.min(this.#target.pinnedPosition() ?? Infinity, this.#writer.applied || 1))
    this.capabilities = {
      history: {
        log: (opts) => readVersionLog(this.drive, opts),
        // A receiver's folder mirrors the publisher, so an old version is written where the user says.
        restore: async (p, version, to) => {
          if (!to) throw new ShoalError('BAD_REQUEST', `${f.config.path} is a read-only copy: choose where to save the old version (--to FILE)`)
          return restoreTo(this.drive, p, version, to, f.config.pruned)
        }
      },
      retention: {
        setPolicy: (change) => this.#history.setPolicy(change),
        prune: (dryRun) => this.#history.prune(dryRun)
      },
      storeCopy: { set: (keep) => this.#setStoreCopy(keep) },
      files: {
        rows: (dir) => listFileRows({ drive: this.drive, index: this.#writer.index, root: f.config.path, status: f.status, ignore: f.ignore, publishing: false }, dir)
      },
      ignore: {
        read: async () => (await readStateFile(this.#ignoreFile())) ?? '',
        // A receiver's patterns stay on this device (the publisher's .shoalignore is just a file
        // here). Changing them re-checks the whole tree so newly un-ignored files arrive.
        write: async (text) => {
          IgnoreRules.parse(text)
          await f.exclusive(async () => {
            await writeStateFile(this.#ignoreFile(), text)
            await f.reloadIgnore()
            this.#writer.recheck()
          })
          f.wake()
        }
      },
      pin: { pin: (version) => this.#pin(version) },
      hook: {
        set: (command) => f.updateConfig({ hook: command ?? undefined })
      },
      localChanges: {
        list: () => this.#listLocalChanges(),
        revert: () => this.#revert(atomic)
      },
      deletes: { release: (keep) => this.#release(keep) },
      conflicts: receiverConflicts(f, this.#copies, atomic)
    }
  }

  #ignoreFile(): string {
    return path.join(this.#f.ctx.stateDir, 'ignore.txt')
  }

  async open(): Promise<void> {
    const f = this.#f
    const encryptionKey = f.config.readKey ? Buffer.from(hexToBytes(f.config.readKey)) : null
    this.drive = new Hyperdrive(f.ctx.store.session(), Buffer.from(hexToBytes(f.config.key)), { encryptionKey })
    try {
      await this.drive.ready()
    } catch (err) {
      // A drive that failed to open on a wrong or missing read key must let go of its cores.
      await closeFailedDrive(this.drive)
      throw explainReadError(err)
    }
    await this.#writer.open()
    f.ignore = IgnoreRules.parse(await this.capabilities.ignore!.read())
    this.#missing.set(this.#writer.owed)
    f.status.version = await numberAt(this.drive, this.#writer.applied)
    f.status.countIndexTotals(this.#writer.index)
    await this.#copies.load()
    f.status.countOtherConflicts(this.#copies)
    await this.#held.load()
    const done = this.drive.findingPeers()
    const timer = setTimeout(() => this.#peersFound(), FINDING_PEERS_MS)
    this.#foundPeers = () => {
      clearTimeout(timer)
      done()
    }
    this.drive.core.on('append', () => f.wake())
    this.drive.core.on('peer-add', () => {
      this.#peersFound()
      this.#missing.retryNow() // a new peer may have what the others did not
      f.wake()
    })
    this.drive.core.on('peer-remove', () => f.wake())
    f.watchStoreSpace([this.drive.core])
    // The content core is known once a peer sent the first proof; watch it from then on.
    this.drive.getBlobs().then(
      (blobs) => blobs && f.watchStoreSpace([blobs.core]),
      () => {} // closed before any peer came: nothing to watch
    )
  }

  #peersFound(): void {
    this.#foundPeers?.()
    this.#foundPeers = null
  }

  topics(): Buffer[] {
    return driveTopics(this.drive)
  }

  peerKeys(): string[] {
    return drivePeerKeys(this.drive)
  }

  info(): Partial<FolderInfo> {
    const c = this.#f.config
    return {
      link: shareLink(c),
      remoteVersion: Math.max(this.#f.status.version, this.#target.remoteNumber),
      ...(c.pinned !== undefined ? { pinned: c.pinned } : {}),
      ...(c.hook ? { hook: c.hook } : {}),
      ...(this.#localChanges !== undefined ? { localChanges: this.#localChanges } : {}),
      ...this.#history.info(),
      storeCopy: c.storeCopy !== false
    }
  }

  started(): void {
    this.#history.start()
    this.#copies.start()
  }

  tally(): { filesWritten: number; bytesLeft: number } {
    return this.#writer.tally()
  }

  async nextWork(): Promise<(() => Promise<void>) | null> {
    // Learn the drive's length from peers first (returns at once with none).
    if (this.drive.core.peers.length > 0) await this.drive.update({ wait: true }).catch(letGo) // a peer that left: asked again next time
    // core.length, not drive.version: an empty reader reports version 1 before it knows anything.
    if (await this.#target.refresh()) this.#f.notify()
    // A pinned folder aims at its pinned version, which may be behind (a rollback).
    const target = await this.#target.target()
    if (target === null || target <= 0) return null
    if (target === this.#writer.applied && this.#writer.diffFrom() === this.#writer.applied && !this.#missing.due() && !this.#held.released) return null
    return () => this.#pass(target)
  }

  /** Up to date as far as peers allow: idle, or waiting for peers or for content no peer sent yet. */
  settled(): void {
    const owed = this.#missing.message()
    if (this.drive.core.peers.length === 0) this.#f.status.setState('waiting', owed)
    else this.#f.status.setState(owed ? 'waiting' : 'idle', owed)
  }

  interrupt(): void {
    this.#releaseHook?.()
  }

  /** Moves the folder to `target` (forwards, or backwards to a pinned older version). */
  async #pass(target: number): Promise<void> {
    const f = this.#f
    const s = f.status
    await this.#writer.check()
    s.setState('syncing')
    // A new round: until its changes are counted it shows 0%, not what the last round reached.
    s.resetProgress(0, 0)
    const before = s.version
    const snapshot = this.drive.checkout(target)
    // Fetch the file index in bulk first: walking the diff over a sparse index would otherwise
    // wait one round trip per tree node (3.7 s for 5,000 files on loopback).
    const index = this.drive.core.download({ start: 0, end: target })
    try {
      await index.done().catch(letGo) // a peer that left: the diff below asks block by block
      const found = await collectVersionChanges(snapshot, { from: this.#writer.diffFrom(), ignore: f.ignore, retry: this.#missing.paths() })
      for (const c of found.changes) s.refusedPaths.delete(c.drivePath)
      if (found.waiting.length && this.#writer.allOrNothing) {
        throw new ShoalError('TIMEOUT', `No peer has said how much content ${found.waiting[0]} has yet; ${f.config.path} stays at version ${s.version}`)
      }
      const owed = new Set(found.waiting)
      const number = await numberAt(this.drive, target)
      const { changes: guarded, held } = this.#guard(found.changes, number)
      // Names this folder's filesystem already holds under another spelling (fs/name-folding.ts).
      this.#folding ??= await f.ctx.probeFolding(this.#writer.probeDir())
      // A refused name whose twin this version deletes is looked up again (a diff from target to itself is empty).
      const freed = freedNames(this.#nameRefused, guarded, this.#folding)
      if (freed.length) guarded.push(...(await collectVersionChanges(snapshot, { from: target, ignore: f.ignore, retry: freed })).changes)
      const { changes, refused } = refuseCollisions(guarded, this.#writer.index.keys(), this.#folding)
      for (const p of freed) {
        this.#nameRefused.delete(p)
        s.refusedPaths.delete(p)
      }
      for (const { drivePath } of refused) this.#nameRefused.add(drivePath)
      for (const { drivePath, reason } of [...found.refused, ...refused]) {
        s.refuse(drivePath, reason)
        s.warn(`Refused a file from the publisher: ${reason}`, drivePath)
      }
      await this.#writer.apply(snapshot, target, changes, owed)
      if (f.stopped) return
      if (f.config.storeCopy === false) await dropStoredContent(this.drive, changes.flatMap((c) => (c.entry ? [c.entry] : [])))
      await this.#held.set(held)
      this.#missing.set(this.#writer.owed)
      s.version = number
      s.countIndexTotals(this.#writer.index)
      this.#localChanges = undefined
      s.emitProgress(true)
      if (this.#missing.size > 0) s.warn(this.#missing.message()!)
    } finally {
      s.downloading.clear()
      await snapshot.close().catch(letGo) // closing a checkout only releases its session
    }
    // After each version applied (never fatal: a failure is a warning event).
    const hook = runAfterUpdateHook({ id: f.id, config: f.config, events: f.ctx.events }, before, s.version, { signal: this.#hookAbort.signal })
    await Promise.race([hook, new Promise<void>((resolve) => (this.#releaseHook = resolve))])
    this.#releaseHook = null
  }

  /**
   * The mass-delete guard on a version: deletes of most of the folder's files are held (kept on
   * disk, in the index), the rest is applied. Held deletes the user released are added to the
   * pass; a held file that the publisher puts back is no longer held.
   */
  #guard(changes: RemoteChange[], version: number): { changes: RemoteChange[]; held: HeldRecord | null } {
    const index = this.#writer.index
    let held = this.#held.record
    if (held) {
      const back = new Set(changes.filter((c) => c.entry !== null).map((c) => c.drivePath))
      held = { ...held, paths: held.paths.filter((p) => !back.has(p) && index.has(p)) }
    }
    if (held && this.#held.released) {
      const listed = new Set(changes.map((c) => c.drivePath))
      const deletes: RemoteChange[] = []
      for (const p of held.paths) {
        const check = validateRemotePath(p)
        if (check.ok && !listed.has(p)) deletes.push({ drivePath: p, rel: check.rel, entry: null })
      }
      return { changes: [...changes, ...deletes], held: null }
    }
    const deletes = changes.filter((c) => c.entry === null && index.has(c.drivePath))
    if (!isMassDelete(deletes.length, index.size, this.#f.guard)) return { changes, held: held && held.paths.length ? held : null }
    const paths = [...new Set([...(held?.paths ?? []), ...deletes.map((c) => c.drivePath)])]
    const record: HeldRecord = { paths, deletes: paths.length, of: index.size, from: 'the publisher', local: false, since: held?.since ?? Date.now() }
    this.#f.status.warn(`Version ${version}: ${heldMessage(record)}`)
    return { changes: changes.filter((c) => !(c.entry === null && index.has(c.drivePath))), held: record }
  }

  /** Applies the held deletes (in the next pass), or (keep) lets the files become the user's own. */
  async #release(keep: boolean): Promise<void> {
    const f = this.#f
    if (!this.#held.record) return
    if (!keep) {
      // In the loop, between passes: a pass already under way would save its own record of what
      // is held over this one, and the user's answer would be lost (seen under load).
      await f.exclusive(() => this.#held.release())
      f.wake()
      return
    }
    await f.exclusive(async () => {
      // Forgotten by the index: files this device did not write, so never deleted or replaced by it.
      for (const p of this.#held.record?.paths ?? []) this.#writer.index.delete(p)
      await this.#writer.index.flush()
      f.status.countIndexTotals(this.#writer.index)
      await this.#held.set(null)
    })
  }

  /** Holds the folder at `version` (rolling back if it is older); undefined follows the latest again. */
  async #pin(version: number | undefined): Promise<void> {
    if (version !== undefined) {
      await this.drive.update({ wait: false }).catch(letGo) // no peer: the length known here is checked
      await this.#target.pin(version)
    }
    const saved = this.#f.updateConfig({ pinned: version })
    this.#f.wake()
    await saved
  }

  #drift(): DriftFolder {
    const f = this.#f
    return { root: f.config.path, index: this.#writer.index, ignore: f.ignore, device: f.ctx.deviceName }
  }

  async #listLocalChanges(): Promise<LocalChange[]> {
    const changes = await this.#f.exclusive(() => listLocalChanges(this.#drift()))
    this.#localChanges = changes.length
    this.#f.notify()
    return changes
  }

  /** Restores the published state this folder is at; the user's files are kept as conflict copies. */
  async #revert(atomic: boolean): Promise<{ reverted: LocalChange[]; keptAs: string[] }> {
    const f = this.#f
    if (atomic) {
      throw new ShoalError('BAD_REQUEST', `${f.config.path} has atomic updates: local edits never reach the next version (each is kept as a conflict copy), so there is nothing to revert`)
    }
    return f.exclusive(async () => {
      const changes = await listLocalChanges(this.#drift())
      if (changes.length === 0) return { reverted: [], keptAs: [] }
      const applied = this.#writer.applied
      if (applied === 0) throw new ShoalError('BAD_REQUEST', `${f.config.path} has not received any version yet: there is no published state to revert to`)
      const snapshot = this.drive.checkout(applied)
      try {
        const result = await revertLocalChanges(this.#drift(), snapshot, changes)
        for (const p of result.keptAs) f.status.fileEvent(p, 'conflict', 'local', 'kept by revert')
        for (const c of result.reverted) if (c.kind !== 'added') f.status.fileEvent(c.path, 'restored', 'in')
        f.status.countIndexTotals(this.#writer.index)
        this.#localChanges = (await listLocalChanges(this.#drift())).length
        f.notify()
        return result
      } finally {
        await snapshot.close().catch(letGo) // closing a checkout only releases its session
      }
    })
  }

  /** Off: the content of the version on disk leaves the store now; on: versions from now on are kept. */
  async #setStoreCopy(keep: boolean): Promise<void> {
    const f = this.#f
    await f.updateConfig({ storeCopy: keep ? undefined : false })
    if (keep) return
    const dropped = await f.exclusive(async () => {
      const applied = this.#writer.applied
      if (applied === 0) return 0
      const snapshot = this.drive.checkout(applied)
      try {
        const entries: Hyperdrive.Entry[] = []
        for await (const entry of snapshot.list('/', { recursive: true }) as AsyncIterable<Hyperdrive.Entry>) entries.push(entry)
        return await dropStoredContent(this.drive, entries)
      } finally {
        await snapshot.close().catch(letGo) // closing a checkout only releases its session
      }
    })
    if (dropped === 0) return
    await compactStore(f.ctx.store)
    await this.#history.prune(true) // the disk figures, as they are now
  }

  async close(): Promise<void> {
    this.#history.stop()
    this.#copies.stop()
    this.#peersFound()
    this.#hookAbort.abort()
    // Closing the drive ends any read that still waits for a block.
    await this.drive?.close().catch(letGo) // a drive that never opened has nothing to close
    await this.#writer.close()
    await this.#copies.flushed()
  }
}
