// Sync (Syncthing's folder_sendrecv): every device of one person edits the same folder. Local
// changes become ops on this device's Autobase writer (local-scan.ts); apply.ts turns all devices'
// ops into one view; the disk pass (disk-pass.ts) makes the folder match the view. The runner
// scans and runs disk passes in its one loop, so the local index always says what is on disk and
// what this device last saw, and a local edit is scanned before the disk writer could touch it.
//
// INDEXER POLICY: the device that creates the folder is the only indexer; every device that joins
// is a non-indexer writer. With one indexer, losing any other device never stops anything, and
// while the indexer itself is offline every device still writes, replicates and applies (the
// view includes the not-yet-signed tail); only finality (signedLength) pauses until it is back.
// Two indexers would freeze finality for good when one is lost (STACK.md). Recovery when the
// indexer device is lost for good: on a surviving device, create a new two-way folder over the
// same path ('shoal sync <folder>' after removing the old one): its first scan publishes the
// current files (same content is adopted, not copied), and other devices join it with a fresh
// invite; nothing on disk is lost because the disk writer never deletes files it did not write.
import path from 'node:path'
import Autobase from 'autobase'
import type Hyperbee from 'hyperbee'
import type Corestore from 'corestore'
import type { FolderRunner } from '../folder/runner.ts'
import type { Capabilities, FolderKind } from '../folder/kind.ts'
import { LocalIndex } from '../fs/local-index.ts'
import { IgnoreRules } from '../fs/ignore-rules.ts'
import { readStateFile, writeStateFile } from '../fs/state-file.ts'
import { removeTempFiles } from '../fs/temp-files.ts'
import { applyNodes } from './apply.ts'
import { BlobStore } from './blobs.ts'
import { latestVersionOf, openView, readEntries } from './view.ts'
import { acquirePairing, releasePairing, readInvite, requestToJoin } from './invites.ts'
import { Membership } from './membership.ts'
import { scanToOps, type TwoWayDisk } from './local-scan.ts'
import { DiskPass, type PassRecord } from './disk-pass.ts'
import { readTwoWayLog, restoreVersion } from './history.ts'
import { listTwoWayRows } from './file-rows.ts'
import { TwoWayHeld } from './held-deletes.ts'
import { walkView } from './history-walk.ts'
import { folderHistory, type HistoryKeeper } from '../drive/history-keeper.ts'
import { conflictCapability } from '../folder/conflict-capability.ts'
import { conflictCopiesIn } from '../folder/conflict-list.ts'
import type { RetentionPlan } from '../drive/retention.ts'
import type { FolderInfo } from '../../../shared/folder.ts'
import { ShoalError } from '../../../shared/errors.ts'
import { letGo } from '../../../shared/let-go.ts'

/** Content still arriving: the disk pass looks again this soon (the view will not change to tell). */
const CONTENT_RETRY_MS = 300

export class TwoWay implements FolderKind, TwoWayDisk {
  readonly hasFolder = true
  readonly f: FolderRunner
  base!: Autobase<Hyperbee>
  blobs!: BlobStore
  index!: LocalIndex
  dirs = new Set<string>()
  membership: Membership | null = null
  readonly held: TwoWayHeld
  readonly capabilities: Capabilities
  readonly #history: HistoryKeeper
  #ns!: Corestore
  #disk = new DiskPass()
  /** The view changed (ops of any device applied): the disk needs a pass. */
  #viewChanged = true
  #retry: NodeJS.Timeout | null = null
  /** What the last disk pass left: files still arriving; -1 before the first pass. */
  #waiting = -1
  /** The last set of paths handed back for a scan (the same set twice: scanning cannot resolve it). */
  #lastRescan = ''

  constructor(f: FolderRunner) {
    this.f = f
    this.held = new TwoWayHeld(f)
    // What the folder on disk shows stays restorable whatever the policy.
    this.#history = folderHistory(f, { walk: () => walkView(this.#requireBase().view, this.blobs), floor: () => this.#disk.length || 1, cleared: (plan) => this.#pruned(plan) })
    this.capabilities = {
      history: {
        log: (opts) => readTwoWayLog(this.#requireBase().view, opts),
        // An old version back into the folder (a new local edit that syncs everywhere) or to `to`.
        restore: (p, version, to) => {
          const writeInFolder = async (file: string, write: () => Promise<void>) => {
            // In the loop, so the disk pass cannot interleave; the scan makes it an op right away.
            await f.exclusive(async () => {
              await write()
              if (!f.stopped && this.#ready()) await scanToOps(this, [file])
            })
            f.status.fileEvent(file, 'restored', 'local', `version ${version}`)
          }
          return restoreVersion(this.#requireBase().view, this.blobs, { root: f.config.path, writeInFolder }, p, version, to, f.config.pruned)
        }
      },
      retention: {
        setPolicy: (change) => this.#history.setPolicy(change),
        prune: (dryRun) => {
          this.#requireBase()
          return this.#history.prune(dryRun)
        }
      },
      files: {
        rows: (dir) =>
          listTwoWayRows(
            { root: f.config.path, view: this.#ready() ? this.base.view : null, index: this.index, ignore: f.ignore, blobs: this.blobs, refused: f.status.refusedPaths, canSend: this.#ready() && this.base.writable },
            dir
          )
      },
      ignore: {
        read: async () => (await readStateFile(path.join(f.ctx.stateDir, 'ignore.txt'))) ?? '',
        // Per device: ignored files are neither sent nor written, and never cause deletes
        // elsewhere (they are not in the local index).
        write: async (text) => {
          IgnoreRules.parse(text)
          await writeStateFile(path.join(f.ctx.stateDir, 'ignore.txt'), text)
          await f.reloadIgnore()
          await f.rescan()
        }
      },
      devices: {
        list: () => this.#requireMembers().list(),
        remove: (ref) => this.#requireMembers().remove(ref),
        createInvite: (ms) => this.#requireMembers().createInvite(ms),
        revokeInvite: (ref) => this.#requireMembers().revokeInvite(ref),
        listInvites: () => this.#requireMembers().listInvites(),
        removedNotice: (peer, notice) => this.membership?.removedNotice(peer, notice)
      },
      pairing: { join: (invite, timeoutMs) => this.#join(invite, timeoutMs) },
      // A resolution is an ordinary local edit and delete, made ops at once: the edit's parent is
      // the version this device holds, so it reaches every device and makes no new conflict.
      conflicts: conflictCapability({
        root: f.config.path,
        copies: () => conflictCopiesIn(this.index),
        deviceOf: async (rel) => (this.#ready() ? (await readEntries(this.base.view, ['/' + rel])).get('/' + rel)?.device || undefined : undefined),
        exclusive: (fn) => f.exclusive(fn),
        changed: async (paths) => {
          if (!f.stopped && this.#ready()) await scanToOps(this, paths)
        }
      }),
      deletes: { release: (keep) => this.#release(keep) }
    }
  }

  #ready(): boolean {
    return this.base !== undefined
  }

  #requireBase(): Autobase<Hyperbee> {
    if (!this.#ready()) throw new ShoalError('NOT_WRITABLE', `${this.f.config.path} has not finished joining its folder yet`)
    return this.base
  }

  #requireMembers(): Membership {
    this.#requireBase()
    return this.membership!
  }

  async open(): Promise<void> {
    const f = this.f
    this.#ns = f.ctx.store.namespace(`twoway/${f.id}`)
    this.blobs = new BlobStore(this.#ns, (key) => f.config.pruned?.downloadFrom?.[key] ?? 0)
    await this.blobs.ready()
    this.index = new LocalIndex(path.join(f.ctx.stateDir, 'index.json'))
    await this.index.ready()
    f.status.countIndexTotals(this.index)
    this.dirs = new Set(this.index.getMeta<string[]>('dirs') ?? [])
    this.#disk.open(this.index)
    await this.held.load()
    f.ignore = IgnoreRules.parse(await this.capabilities.ignore!.read())
    await f.leftoverTempFilesRemoved(removeTempFiles(f.config.path))
    if (f.config.joining) {
      // Joining is one request that waits for a member (pairing.join); a folder still joining when
      // Shoal stopped has no invite left to wait with.
      if (f.ctx.restored) throw new ShoalError('BAD_REQUEST', `Joining ${f.config.path} did not finish before Shoal stopped: remove this folder and join again with a new invite`)
      f.status.setState('waiting', 'Waiting for a device of this folder to accept the invite')
      return
    }
    await this.#openBase(f.config.key ? Buffer.from(f.config.key, 'hex') : null)
  }

  async #openBase(key: Buffer | null): Promise<void> {
    const f = this.f
    const base = new Autobase<Hyperbee>(this.#ns, key, {
      open: (store) => openView(store.get('view')),
      apply: (nodes, view, host) => applyNodes(nodes, view as never, host),
      valueEncoding: 'json',
      ackInterval: 1000
    })
    await base.ready()
    this.base = base
    if (!key) f.updateConfig({ key: base.key.toString('hex') })
    base.on('error', (err: Error) => f.status.warn(`sync error: ${err.message}`))
    this.membership = new Membership(f, base, this.#ns, this.blobs)
    base.on('update', () => {
      this.#viewChanged = true
      this.membership?.changed()
      f.wake()
    })
    // Write access came (a new device added, or back after a restart): record what was found.
    base.on('writable', () => f.requestScan(null))
    f.status.version = await latestVersionOf(base.view)
    this.membership.open()
  }

  localChanged(paths: Iterable<string>): void {
    this.#disk.owe(paths)
  }

  topics(): Buffer[] {
    return this.#ready() ? [this.base.discoveryKey] : []
  }

  peerKeys(): string[] {
    return this.membership?.connected() ?? []
  }

  info(): Partial<FolderInfo> {
    return { link: '', remoteVersion: this.f.status.version, ...this.#history.info() }
  }

  started(): void {
    this.#history.start()
  }

  /**
   * Another device's content this one pruned must not come back with the eager download when the
   * folder opens again: it starts where nothing kept is missing.
   */
  async #pruned(plan: RetentionPlan): Promise<void> {
    const downloadFrom = { ...this.f.config.pruned?.downloadFrom }
    for (const [core, from] of plan.missingFrom) {
      const key = core.key!.toString('hex')
      if (key !== this.blobs.key) downloadFrom[key] = from
    }
    await this.f.updateConfig({ pruned: { ...(this.f.config.pruned ?? { keptFrom: 1, at: Date.now() }), downloadFrom } })
  }

  async scan(paths: string[] | null): Promise<'complete' | 'incomplete' | 'not-ready'> {
    // Not a member yet: the join asks for the first scan once this device can write.
    if (!this.#ready()) return 'complete'
    const done = await scanToOps(this, paths)
    if (done === 'complete') this.#lastRescan = ''
    if (!paths) {
      this.f.status.setState('idle')
      this.#viewChanged = true // a pass counts what the scan added (the view's 'update' may come later)
    }
    return done
  }

  async nextWork(): Promise<(() => Promise<void>) | null> {
    if (!this.#ready() || !this.#viewChanged) return null
    this.#viewChanged = false
    return async () => {
      const result = await this.#disk.run(this).catch((err: unknown) => {
        this.#viewChanged = true // still owed: the runner waits the failure out (a full disk) and asks again
        throw err
      })
      this.#waiting = result.waiting
      if (result.waiting > 0 && !this.f.stopped) {
        if (this.#retry) clearTimeout(this.#retry)
        this.#retry = setTimeout(() => {
          this.#viewChanged = true
          this.f.wake()
        }, CONTENT_RETRY_MS)
      }
      if (result.rescan.length) {
        // Local files in the way: scan them so they become ops (and conflicts, if need be). The
        // same set twice in a row without new ops means scanning cannot resolve it: stop retrying.
        const key = result.rescan.sort().join('\0')
        if (key !== this.#lastRescan) {
          this.#lastRescan = key
          this.f.requestScan(result.rescan)
        }
      }
    }
  }

  /** After a disk pass: idle, or still syncing while content arrives, or waiting when no device is online to send it. */
  settled(): void {
    if (!this.#ready() || this.#waiting < 0) return
    this.f.status.setState(this.#waiting === 0 ? 'idle' : this.peerKeys().length > 0 ? 'syncing' : 'waiting')
  }

  interrupt(): void {
    if (this.#retry) clearTimeout(this.#retry)
    this.#retry = null
  }

  /** Joins with an invite; resolves once a member added this device and its first scan ran. */
  async #join(code: string, timeoutMs: number): Promise<void> {
    const f = this.f
    const { invite } = readInvite(code)
    const hs = f.ctx.swarm.swarm
    if (!hs) throw new ShoalError('INTERNAL', 'The network is not running')
    f.status.setState('waiting', 'Waiting for a device of this folder to accept the invite')
    const writerKey = await Autobase.getLocalKey(this.#ns)
    const pairing = acquirePairing(hs)
    let key: Buffer
    try {
      key = await requestToJoin(pairing, invite, writerKey, timeoutMs)
    } finally {
      await releasePairing(hs)
    }
    f.updateConfig({ key: key.toString('hex'), joining: undefined })
    await this.#openBase(key)
    f.announce()
    const base = this.base
    const deadline = Date.now() + timeoutMs
    while (!base.writable && Date.now() < deadline && !f.closing) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 250)
        base.once('writable', () => {
          clearTimeout(t)
          resolve()
        })
      })
    }
    await f.rescan()
  }

  /** The user's answer to held deletes (held-deletes.ts says what each answer does). */
  async #release(keep: boolean): Promise<void> {
    const f = this.f
    const plan = await f.exclusive(() => this.held.release(keep, this.index))
    if (!plan) return
    this.#disk.owe(plan.pass)
    this.#viewChanged = true
    if (plan.scan.length) f.requestScan(plan.scan)
    if (plan.fullScan) await f.rescan()
    else f.wake()
  }

  /** Replication channels refused to removed devices so far (tests). */
  get refusedChannels(): number {
    return this.membership?.refusedChannels ?? 0
  }

  /** The latest disk passes, oldest first (tests, benchmark). */
  get diskPasses(): readonly PassRecord[] {
    return this.#disk.passes
  }

  /** Disk passes run and time spent in them since the folder opened, by mode (benchmark). */
  get diskPassTime(): DiskPass['spent'] {
    return this.#disk.spent
  }

  /** Stalled replication syncs sent again so far (tests). */
  get stallsResent(): number {
    return this.membership?.stallsResent ?? 0
  }

  async close(): Promise<void> {
    this.#history.stop()
    this.interrupt()
    this.held.close()
    await this.membership?.close()
    await this.base?.close().catch(letGo) // a base that failed to open has nothing to close
    await this.blobs?.close()
    await this.index?.close()
    await this.#ns?.close().catch(letGo) // closing a namespace only releases its sessions
  }
}
