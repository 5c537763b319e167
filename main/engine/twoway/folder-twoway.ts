// Two-way folder (Syncthing's folder_sendrecv): every device of one person edits the same folder.
// Local changes become ops on this device's Autobase writer (local-ops.ts); apply.ts turns all
// devices' ops into one view; the disk writer (disk-writer.ts) makes the folder match the view.
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
import fs from 'node:fs/promises'
import path from 'node:path'
import Autobase from 'autobase'
import type Hyperbee from 'hyperbee'
import type Corestore from 'corestore'
import { SyncFolder } from '../folder.ts'
import { LocalIndex } from '../local-index.ts'
import { IgnoreRules } from '../ignore-rules.ts'
import { writeFileAtomic } from '../safe-write.ts'
import { ShoalError } from '../../../shared/errors.ts'
import type { DeviceInfo, FileRow, FolderState, InviteInfo, VersionChange } from '../../../shared/folder.ts'
import type { FileAction } from '../../../shared/events.ts'
import { applyNodes } from './apply.ts'
import { BlobStore } from './blobs.ts'
import type { FileEntry, Op } from './ops.ts'
import { NeededFiles, coalesce, treeTotals } from './progress.ts'
import { openView, readInvites, readMembers, readTree } from './view.ts'
import { acquirePairing, releasePairing, makeInvite, readInvite, requestToJoin, answerJoinRequest } from './invites.ts'
import { toDeviceInfo, findMember } from './members.ts'
import { LocalSync } from './local-sync.ts'
import { ReplicationGuard, guardMembers } from './guard.ts'
import { StallWatch } from './stall-watch.ts'
import { WriterMirror } from './writer-mirror.ts'
import { readTwoWayLog, restoreVersion } from './history.ts'
import { listTwoWayRows } from './file-rows.ts'

export const PENDING_PREFIX = 'pending:'
/** How often the folder's cores are checked for a replication stall (see stall-watch.ts). */
const STALL_CHECK_MS = 2000

export class TwoWayFolder extends SyncFolder {
  base: Autobase<Hyperbee> | null = null
  blobs!: BlobStore
  #ns!: Corestore
  #local: LocalSync | null = null
  #member: { close(): Promise<void> } | null = null
  #pairing = false
  #onConnection = (conn: unknown) => this.base?.wakeupProtocol.addStream(conn)
  #invites = new Map<string, InviteInfo>()
  #guard: ReplicationGuard | null = null
  readonly #stalls = new StallWatch()
  #stallTimer: NodeJS.Timeout | null = null
  #writers: WriterMirror | null = null
  /** Network keys (hex) of the other devices still in the folder (peers count). */
  #memberDevices = new Set<string>()
  // Right away on every view update (a removed device must be refused before the next change is
  // served), one read at a time.
  #membersChanged = coalesce(
    () => this.#refreshMembers(),
    (err) => this.warn(`could not read the devices: ${(err as Error).message}`)
  )
  #needed = new NeededFiles()
  /** Resolves when the first scan has been committed (or right away for a pending join). */
  firstScan: Promise<void> = Promise.resolve()

  override get link(): string {
    return ''
  }

  /** Devices of this folder connected right now. */
  override get peers(): number {
    if (this.#memberDevices.size === 0) return 0
    return this.ctx.swarm.peers(() => []).filter((p) => this.#memberDevices.has(p.id)).length
  }

  /** Versions are positions in the view (see history.ts); every device applies what it has. */
  override get remoteVersion(): number {
    return this.base?.view.core.length ?? 0
  }

  protected async _open(): Promise<void> {
    this.#ns = this.ctx.store.namespace(`twoway/${this.id}`)
    this.blobs = new BlobStore(this.#ns)
    await this.blobs.ready()
    this.index = new LocalIndex(path.join(this.ctx.stateDir, 'index.json'))
    await this.index.ready()
    this.ignore = IgnoreRules.parse(await this.readIgnoreText())
    if (this.config.key.startsWith(PENDING_PREFIX)) {
      this.setState('waiting', 'Waiting for a device of this folder to accept the invite')
      return
    }
    await this.#openBase(this.config.key ? Buffer.from(this.config.key, 'hex') : null)
  }

  async #openBase(key: Buffer | null): Promise<void> {
    const base = new Autobase<Hyperbee>(this.#ns, key, {
      open: (store) => openView(store.get('view')),
      apply: (nodes, view, host) => applyNodes(nodes, view as never, host),
      valueEncoding: 'json',
      ackInterval: 1000
    })
    this.base = base
    await base.ready()
    if (!key) this.config.key = base.key.toString('hex')
    base.on('error', (err: Error) => this.warn(`sync error: ${err.message}`))
    const local = new LocalSync(this, base)
    this.#local = local
    base.on('update', () => {
      local.viewChanged()
      this.#membersChanged()
    })
    base.on('writable', () => local.writable())
    this.version = base.view.core.length
    this.#guard = new ReplicationGuard(this.#ns)
    this.#writers = new WriterMirror(this.#ns)
    this.#membersChanged()
    const guard = this.#guard
    this.#stallTimer = setInterval(() => {
      for (const core of guard.cores()) this.#stalls.check(core)
    }, STALL_CHECK_MS)
    this.#stallTimer.unref()
    if (this.ctx.network) {
      const hs = this.ctx.swarm.swarm
      if (hs) {
        hs.on('connection', this.#onConnection)
        for (const conn of hs.connections) this.#onConnection(conn)
        this.#member = acquirePairing(hs).addMember({ discoveryKey: base.discoveryKey, onadd: (req) => this.#onJoinRequest(req) })
        this.#pairing = true
      }
      this.ctx.swarm.join(base.discoveryKey, this.id, { server: true, client: true }).catch((err) => this.fail(err))
    }
    if (this.config.paused) this.setState('paused')
    else if (this.ctx.network) this.firstScan = local.start()
    else this.setState('stopped')
  }

  protected async _close(): Promise<void> {
    this.stopNotify()
    if (this.#stallTimer) clearInterval(this.#stallTimer)
    await this.#local?.stop()
    await this.#guard?.close()
    await this.#writers?.close()
    const hs = this.ctx.swarm.swarm
    hs?.off('connection', this.#onConnection)
    await this.#member?.close().catch(() => {})
    if (this.#pairing && hs) await releasePairing(hs)
    if (this.base) await this.ctx.swarm.leave(this.base.discoveryKey).catch(() => {})
    await this.base?.close().catch(() => {})
    await this.blobs?.close()
    await this.index?.close()
    await this.#ns?.close().catch(() => {})
  }

  // --- membership ---

  async #onJoinRequest(req: import('blind-pairing').MemberRequest): Promise<void> {
    if (!this.base?.writable || this.closing) return
    const refused = await answerJoinRequest(this.base, req)
    if (refused) this.warn(refused)
  }

  /** Joins with an invite; resolves once a member added this device (or rejects, leaving no base). */
  async join(code: string, timeoutMs: number): Promise<void> {
    const { invite } = readInvite(code)
    const hs = this.ctx.swarm.swarm
    if (!hs) throw new ShoalError('INTERNAL', 'The network is not running')
    const writerKey = await Autobase.getLocalKey(this.#ns)
    const pairing = acquirePairing(hs)
    let key: Buffer
    try {
      key = await requestToJoin(pairing, invite, writerKey, timeoutMs)
    } finally {
      await releasePairing(hs)
    }
    this.config.key = key.toString('hex')
    await this.#openBase(key)
    const base = this.base!
    const deadline = Date.now() + timeoutMs
    while (!base.writable && Date.now() < deadline && !this.closing) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 250)
        base.once('writable', () => {
          clearTimeout(t)
          resolve()
        })
      })
    }
    await this.firstScan
  }

  async createInvite(expiresInMs?: number): Promise<InviteInfo> {
    const base = this.#requireBase()
    const { code, op } = makeInvite(base.key, expiresInMs)
    await base.append(op satisfies Op)
    const info = { invite: code, id: op.id, expires: op.expires }
    this.#invites.set(op.id, info)
    return info
  }

  async revokeInvite(ref: string): Promise<string> {
    const base = this.#requireBase()
    let id = /^[0-9a-f]{64}$/.test(ref) ? ref : null
    if (!id) id = readInvite(ref, 0).id
    const all = await readInvites(base.view)
    if (!all.some((i) => i.id === id)) throw new ShoalError('BAD_REQUEST', `No invite ${id.slice(0, 12)}… in this folder`)
    await base.append({ type: 'revoke-invite', id, time: Date.now() } satisfies Op)
    this.#invites.delete(id)
    return id
  }

  async devices(): Promise<DeviceInfo[]> {
    const base = this.#requireBase()
    const connected = new Set(this.ctx.swarm.peers(() => []).map((p) => p.id))
    const live = { self: base.local.key!.toString('hex'), connected, blobs: this.blobs.lengths(), now: Date.now() }
    return (await readMembers(base.view)).map((m) => toDeviceInfo(m, live))
  }

  async removeDevice(ref: string): Promise<DeviceInfo[]> {
    const base = this.#requireBase()
    const m = findMember(await readMembers(base.view), ref)
    if (!m) throw new ShoalError('BAD_REQUEST', `No device '${ref}' in this folder (see 'shoal devices ${this.config.path}')`)
    if (m.key === base.local.key!.toString('hex')) throw new ShoalError('BAD_REQUEST', 'This device cannot remove itself; remove the folder instead')
    await base.append({ type: 'remove-writer', key: m.key, time: Date.now() } satisfies Op)
    return this.devices()
  }

  /** Network keys of removed devices (refused by the folder: their ops are ignored). */
  async removedDevices(): Promise<Set<string>> {
    if (!this.base) return new Set()
    return new Set((await readMembers(this.base.view)).filter((m) => m.removed && m.device).map((m) => m.device))
  }

  /** Keeps the replication guard and the peers count in line with the folder's devices. */
  async #refreshMembers(): Promise<void> {
    const base = this.base
    if (!base || !this.#guard || this.closing) return
    const members = await readMembers(base.view)
    this.#memberDevices = guardMembers(this.#guard, base, members, this.blobs.key, this.ctx.swarm.publicKey.toString('hex'))
    const self = base.local.key!.toString('hex')
    for (const m of members) if (!m.removed && m.key !== self) this.#writers?.track(Buffer.from(m.key, 'hex'))
  }

  /** Replication channels refused to removed devices so far. */
  get refusedChannels(): number {
    return this.#guard?.refused ?? 0
  }

  /** Stalled replication syncs sent again so far (see stall-watch.ts). */
  get stallsResent(): number {
    return this.#stalls.resent
  }

  // --- history, restore, file list ---

  async versionLog(opts: { limit: number; path?: string }): Promise<VersionChange[]> {
    return readTwoWayLog(this.#requireBase().view, opts)
  }

  /** An old version back into the folder (a new local edit that syncs everywhere) or to `to`. */
  async restore(p: string, version: number, to?: string): Promise<{ path: string; bytes: number }> {
    const writeInFolder = async (file: string, write: () => Promise<void>) => {
      // In the work queue, so the disk writer cannot interleave; the scan makes it an op right away.
      if (this.#local && !this.config.paused) await this.#local.writeThenScan([file], write)
      else await write()
      this.fileEvent(file, 'restored', 'local', `version ${version}`)
    }
    return restoreVersion(this.#requireBase().view, this.blobs, { root: this.config.path, writeInFolder }, p, version, to)
  }

  async fileRows(dir: string): Promise<FileRow[]> {
    const base = this.base
    return listTwoWayRows(
      { root: this.config.path, view: base?.view ?? null, index: this.index, ignore: this.ignore, blobs: this.blobs, refused: this.refusedPaths, canSend: !!base?.writable },
      dir
    )
  }

  // --- progress of writing other devices' changes here (called by LocalSync around each disk pass) ---

  diskPassStarting(tree: Map<string, FileEntry>): void {
    const now = this.#needed.start(tree, this.index, (p) => this.refusedPaths.has(p) || (this.ignore?.ignores(p, false) ?? false))
    if (now.fresh) this.resetProgress(0, 0)
    this.progress.filesNeeded = this.progress.filesDone + now.files
    this.progress.bytesNeeded = this.progress.bytesDone + now.bytes
    this.emitProgress(true)
  }

  #fileWritten(p: string): void {
    const size = this.#needed.written(p)
    if (size !== undefined) this.addProgress(1, size)
  }

  /** After a disk pass: idle, or still syncing while content arrives, or waiting when no device is online to send it. */
  diskPassDone(waiting: number): void {
    if (waiting === 0) this.#needed.clear()
    this.setState(waiting === 0 ? 'idle' : this.peers > 0 ? 'syncing' : 'waiting')
  }

  #requireBase(): Autobase<Hyperbee> {
    if (!this.base) throw new ShoalError('NOT_WRITABLE', `${this.config.path} has not finished joining its folder yet`)
    return this.base
  }

  /** Counts for info(): files, bytes and conflict copies in the view. */
  async refreshTotals(): Promise<void> {
    if (!this.base) return
    Object.assign(this, treeTotals(await readTree(this.base.view)), { version: this.base.view.core.length })
  }

  // --- the SyncFolder contract ---

  #ignoreFile(): string {
    return path.join(this.ctx.stateDir, 'ignore.txt')
  }

  async readIgnoreText(): Promise<string> {
    return fs.readFile(this.#ignoreFile(), 'utf8').catch(() => '')
  }

  // Per device: patterns stay in this device's state; ignored files are neither sent nor written,
  // and never cause deletes elsewhere (they are not in the local index).
  async writeIgnoreText(text: string): Promise<void> {
    this.ignore = IgnoreRules.parse(text)
    await writeFileAtomic(this.ctx.stateDir, 'ignore.txt', Buffer.from(text))
    await this.rescan()
  }

  async pause(): Promise<void> {
    this.config.paused = true
    await this.#local?.stop()
    this.setState('paused')
  }

  async resume(): Promise<void> {
    if (!this.config.paused) return
    this.config.paused = false
    if (this.#local) this.firstScan = this.#local.start()
  }

  async rescan(): Promise<void> {
    await this.#local?.rescan()
  }

  /** Exposed to LocalSync (same folder, separate file for size). */
  emit = {
    state: (s: FolderState, err?: string) => this.setState(s, err),
    fail: (err: unknown) => this.fail(err),
    warn: (msg: string, p?: string) => this.warn(msg, p),
    file: (p: string, action: FileAction, direction: 'in' | 'out' | 'local', detail?: string) => {
      if (direction === 'in' && action !== 'deleted') this.#fileWritten(p)
      this.fileEvent(p, action, direction, detail)
    },
    progress: () => this.emitProgress(true)
  }
}
