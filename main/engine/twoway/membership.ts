// Who belongs to a two-way folder: the devices (added through invites, removed by a member), the
// replication guard that refuses removed devices, the invites, and answering other devices' join
// requests. A lifecycle object of its own (open with a base, close), like autopass's pairer.
import type Autobase from 'autobase'
import type Hyperbee from 'hyperbee'
import type Corestore from 'corestore'
import type { MemberRequest } from 'blind-pairing'
import type { FolderRunner } from '../folder/runner.ts'
import type { Devices } from '../folder/kind.ts'
import { ReplicationGuard, guardMembers } from './guard.ts'
import { StallWatch } from './stall-watch.ts'
import { WriterMirror } from './writer-mirror.ts'
import { coalesce } from './progress.ts'
import { readInvites, readMembers } from './view.ts'
import { acquirePairing, releasePairing, makeInvite, readInvite, answerJoinRequest, inviteUsable } from './invites.ts'
import { toDeviceInfo, findMember, memberName, type LiveState } from './members.ts'
import type { MemberRecord } from './view.ts'
import type { RemovedNotice } from '../network/device-channel.ts'
import type { BlobStore } from './blobs.ts'
import type { Op } from './ops.ts'
import type { DeviceInfo, InviteInfo } from '../../../shared/folder.ts'
import type { ActiveInvite } from '../../../shared/api.ts'
import { ShoalError } from '../../../shared/errors.ts'
import { letGo } from '../../../shared/let-go.ts'

/** How often the folder's cores are checked for a replication stall (see stall-watch.ts). */
const STALL_CHECK_MS = 2000

export class Membership implements Devices {
  readonly #f: FolderRunner
  readonly #base: Autobase<Hyperbee>
  readonly #blobs: BlobStore
  readonly #guard: ReplicationGuard
  readonly #stalls = new StallWatch()
  #stallTimer: NodeJS.Timeout | null = null
  /** Every other member's writer core, kept whole so this device can relay ops (writer-mirror.ts). */
  readonly #writers: WriterMirror
  #member: { close(): Promise<void> } | null = null
  #pairing = false
  #onConnection = (conn: unknown) => this.#base.wakeupProtocol.addStream(conn)
  /** Network keys (hex) of the other devices still in the folder (peers count). */
  #memberDevices = new Set<string>()
  /** The folder's devices as last read from the view. */
  #members: MemberRecord[] = []
  #closed = false
  // Right away on every view update (a removed device must be refused before the next change is
  // served), one read at a time.
  readonly changed = coalesce(
    () => this.#refresh(),
    (err) => this.#f.status.warn(`could not read the devices: ${(err as Error).message}`)
  )

  constructor(f: FolderRunner, base: Autobase<Hyperbee>, ns: Corestore, blobs: BlobStore) {
    this.#f = f
    this.#base = base
    this.#blobs = blobs
    // A removed device that connects is refused the folder's cores, and told why (once per connection).
    this.#guard = new ReplicationGuard(ns, (device) => this.#tellRemoved(device))
    this.#writers = new WriterMirror(ns)
  }

  /** Starts serving: wake-up streams on every connection, and answers to join requests. */
  open(): void {
    this.changed()
    this.#stallTimer = setInterval(() => {
      for (const core of this.#guard.cores()) this.#stalls.check(core)
    }, STALL_CHECK_MS)
    this.#stallTimer.unref()
    const hs = this.#f.ctx.swarm.swarm
    if (!this.#f.ctx.network || !hs) return
    hs.on('connection', this.#onConnection)
    for (const conn of hs.connections) this.#onConnection(conn)
    this.#member = acquirePairing(hs).addMember({ discoveryKey: this.#base.discoveryKey, onadd: (req) => this.#onJoinRequest(req) })
    this.#pairing = true
  }

  async close(): Promise<void> {
    this.#closed = true
    if (this.#stallTimer) clearInterval(this.#stallTimer)
    await this.#guard.close()
    await this.#writers.close()
    const hs = this.#f.ctx.swarm.swarm
    hs?.off('connection', this.#onConnection)
    await this.#member?.close().catch(letGo) // the pairing swarm may already be gone with the network
    if (this.#pairing && hs) await releasePairing(hs)
  }

  /** Network keys of the folder's other devices connected now. */
  connected(): string[] {
    if (this.#memberDevices.size === 0) return []
    return this.#f.ctx.swarm
      .peers(() => [])
      .map((p) => p.id)
      .filter((id) => this.#memberDevices.has(id))
  }

  /** Replication channels refused to removed devices so far. */
  get refusedChannels(): number {
    return this.#guard.refused
  }

  /** Stalled replication syncs sent again so far (see stall-watch.ts). */
  get stallsResent(): number {
    return this.#stalls.resent
  }

  async #onJoinRequest(req: MemberRequest): Promise<void> {
    if (!this.#base.writable || this.#closed) return
    const refused = await answerJoinRequest(this.#base, req)
    if (refused) this.#f.status.warn(refused)
  }

  /** Keeps the replication guard and the peers count in line with the folder's devices. */
  async #refresh(): Promise<void> {
    if (this.#closed) return
    const members = await readMembers(this.#base.view)
    this.#members = members
    this.#memberDevices = guardMembers(this.#guard, this.#base, members, this.#blobs.key, this.#f.ctx.swarm.publicKey.toString('hex'))
    const self = this.#base.local.key!.toString('hex')
    for (const m of members) if (!m.removed && m.key !== self) this.#writers.track(Buffer.from(m.key, 'hex'))
    // Our own removal reached us through the folder's history.
    const me = members.find((m) => m.key === self)
    if (me?.removed) this.#stopRemoved(me.removedBy ?? '', null)
  }

  #live(): Pick<LiveState, 'self' | 'selfName' | 'known'> {
    return { self: this.#base.local.key!.toString('hex'), selfName: this.#f.ctx.knownDevices.ownName(), known: this.#f.ctx.knownDevices }
  }

  /** Tells a removed device that connected who removed it (it checks that we are a member). */
  #tellRemoved(device: string): void {
    const removed = this.#members.filter((m) => m.removed && m.device === device && m.removedBy).at(-1)
    if (!removed || this.#members.some((m) => !m.removed && m.device === device)) return // invited again since: a member
    this.#f.ctx.swarm.sendRemoved(device, { folder: this.#base.discoveryKey.toString('hex'), by: removed.removedBy! })
  }

  /**
   * A connected device says it removed this one. Believed only from a device that this folder's
   * history says is a member: any member could remove this device anyway; nobody else can stop
   * the folder this way.
   */
  removedNotice(peer: string, notice: RemovedNotice): void {
    if (this.#closed || notice.folder !== this.#base.discoveryKey.toString('hex')) return
    const sender = this.#members.find((m) => m.device === peer && !m.removed)
    if (!sender) return
    this.#stopRemoved(notice.by, sender)
  }

  #stopRemoved(byWriter: string, sender: MemberRecord | null): void {
    if (this.#f.config.removed) return
    const live = this.#live()
    const by = this.#members.find((m) => m.key === byWriter) ?? sender
    const name = by ? memberName(by, live) : ''
    this.#f.stopRemoved(name || 'another device').catch((err: unknown) => this.#f.status.fail(err))
  }

  async createInvite(expiresInMs?: number): Promise<InviteInfo> {
    const { code, op } = makeInvite(this.#base.key, expiresInMs)
    await this.#base.append(op satisfies Op)
    return { invite: code, id: op.id, expires: op.expires }
  }

  async revokeInvite(ref: string): Promise<string> {
    let id = /^[0-9a-f]{64}$/.test(ref) ? ref : null
    if (!id) id = readInvite(ref, 0).id
    const all = await readInvites(this.#base.view)
    if (!all.some((i) => i.id === id)) throw new ShoalError('BAD_REQUEST', `No invite ${id.slice(0, 12)}… in this folder`)
    await this.#base.append({ type: 'revoke-invite', id, time: Date.now() } satisfies Op)
    return id
  }

  /** Invites another device can still join with (not revoked, not expired), newest first. */
  async listInvites(): Promise<ActiveInvite[]> {
    const now = Date.now()
    const usable = (await readInvites(this.#base.view)).filter((i) => inviteUsable(i, now) === 'ok')
    return usable.map((i) => ({ id: i.id, createdAt: i.createdAt, expires: i.expires })).sort((a, b) => b.createdAt - a.createdAt)
  }

  async list(): Promise<DeviceInfo[]> {
    const connected = new Set(this.#f.ctx.swarm.peers(() => []).map((p) => p.id))
    const live = { ...this.#live(), connected, blobs: this.#blobs.lengths(), now: Date.now() }
    const members = await readMembers(this.#base.view)
    return members.map((m) => toDeviceInfo(m, live, members))
  }

  async remove(ref: string): Promise<DeviceInfo[]> {
    if (this.#f.config.removed) throw new ShoalError('BAD_REQUEST', `This device was removed from ${this.#f.config.name}: it can no longer change who belongs to it`)
    const m = findMember(await readMembers(this.#base.view), ref, this.#live())
    if (!m) throw new ShoalError('BAD_REQUEST', `No device '${ref}' in this folder (see 'shoal devices ${this.#f.config.path}')`)
    if (m.key === this.#base.local.key!.toString('hex')) throw new ShoalError('BAD_REQUEST', 'This device cannot remove itself; remove the folder instead')
    await this.#base.append({ type: 'remove-writer', key: m.key, time: Date.now() } satisfies Op)
    return this.list()
  }
}
