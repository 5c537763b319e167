// Refuses to replicate a two-way folder's cores with devices removed from it. apply() already
// ignores a removed device's later ops; this also stops it from reading what the others write
// after the removal (ops, view and content). The device may still share other folders with us,
// so the connection stays: only the channels of this folder's cores are closed, whenever the
// removed device opens one (Hypercore emits 'peer-add' to sessions listening for it).
import type Corestore from 'corestore'
import type Hypercore from 'hypercore'
import type { MemberRecord } from './view.ts'
import { letGo } from '../../../shared/let-go.ts'

type Peer = Hypercore['peers'][number]

export class ReplicationGuard {
  readonly #store: Corestore
  readonly #sessions = new Map<string, Hypercore>()
  #blocked = new Set<string>()
  #closed = false
  /** Channels closed so far (tests, logs). */
  refused = 0

  readonly #onRefused: (device: string) => void

  /** `onRefused`: a removed device (network key, hex) just had a channel closed. */
  constructor(store: Corestore, onRefused: (device: string) => void = () => {}) {
    this.#store = store
    this.#onRefused = onRefused
  }

  /** Network keys (hex) of the devices to refuse; closes their open channels right away. */
  setBlocked(devices: Set<string>): void {
    const grew = [...devices].some((d) => !this.#blocked.has(d))
    this.#blocked = devices
    if (grew) for (const s of this.#sessions.values()) this.#sweep(s)
  }

  /** Adds cores of the folder to watch (idempotent; cores appear as devices join). */
  watch(keys: Iterable<Buffer | null | undefined>): void {
    for (const key of keys) {
      if (!key || this.#closed) continue
      const hex = key.toString('hex')
      if (this.#sessions.has(hex)) continue
      // An inactive session: it does not make the core replicate, it only lets us see its peers.
      const session = this.#store.get({ key, active: false })
      this.#sessions.set(hex, session)
      session.on('peer-add', (peer: Peer) => this.#check(peer))
      session
        .ready()
        .then(() => this.#sweep(session))
        .catch(letGo) // a writer core that fails to open (closing, removed): its peers are checked when it does
    }
  }

  /** The folder's cores watched so far (opened sessions; they see each core's peers). */
  cores(): Hypercore[] {
    return this.#closed ? [] : [...this.#sessions.values()].filter((s) => s.opened && !s.closed)
  }

  #sweep(session: Hypercore): void {
    for (const peer of [...(session.peers ?? [])]) this.#check(peer)
  }

  #check(peer: Peer): void {
    if (this.#closed || this.#blocked.size === 0 || !peer.remotePublicKey) return
    const device = peer.remotePublicKey.toString('hex')
    if (!this.#blocked.has(device)) return
    this.refused++
    this.#onRefused(device)
    // Not inside Hypercore's own 'peer-add' dispatch: the channel is still being set up there.
    queueMicrotask(() => peer.channel?.close())
  }

  async close(): Promise<void> {
    this.#closed = true
    const sessions = [...this.#sessions.values()]
    this.#sessions.clear()
    await Promise.all(sessions.map((s) => s.close().catch(letGo))) // already closed with the store: fine
  }
}

interface BaseCores {
  key: Buffer
  local: { key: Buffer | null }
  view: { core: { key: Buffer | null } }
}

/**
 * Points the guard at the folder's devices: refuses removed ones, watches every core of the folder
 * (Autobase's writers and views, every device's blobs core). Returns the network keys of the
 * devices still in the folder, other than `self`.
 */
export function guardMembers(guard: ReplicationGuard, base: BaseCores, members: MemberRecord[], ownBlobs: string, self: string): Set<string> {
  const active = members.filter((m) => !m.removed)
  // A device removed and later invited again (same network key, new writer) is a member again.
  const activeDevices = new Set(active.map((m) => m.device))
  guard.setBlocked(new Set(members.filter((m) => m.removed && m.device && !activeDevices.has(m.device)).map((m) => m.device)))
  const hex = (k: string) => (k ? Buffer.from(k, 'hex') : null)
  // Autobase's own view cores (system, view): not public API, hence the fallback when absent.
  const views = (base as unknown as { _viewStore?: { getViews(): Array<{ core?: { key: Buffer | null } }> } })._viewStore?.getViews() ?? []
  guard.watch([base.key, base.local.key, base.view.core.key, ...views.map((v) => v.core?.key), hex(ownBlobs), ...members.flatMap((m) => [hex(m.key), hex(m.blobs)])])
  return new Set([...activeDevices].filter((d) => d && d !== self))
}
