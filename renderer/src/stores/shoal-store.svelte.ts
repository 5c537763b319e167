import type { MethodName, Params, Result } from '../../../shared/api.ts'
import type { ShoalEvent } from '../../../shared/events.ts'
import type { DeviceInfo, FolderInfo, InviteInfo, PeerInfo, Settings } from '../../../shared/folder.ts'
import { toCallError, type CallError, type DesktopCapabilities, type Transport } from '../transport/types.ts'
import { ACTIVITY_LIMIT, isActivity, mergeActivity, type ActivityEvent } from './activity.ts'
import { patchFolder, removeFolder, sortFolders, upsertFolder } from './folder-rows.ts'
import { nextRates, type PeerRate, type PeerSample } from './peer-rates.ts'
import { peerJoined, peerLeft } from './peer-list.ts'

// Everything the window shows about the engine, built from one snapshot (status, peers, settings)
// and then kept current by the event stream alone: no polling. Rows are replaced, never mutated
// ($state.raw), so a component re-renders exactly when its row changed.

export class ShoalStore {
  readonly transport: Transport
  readonly desktop: DesktopCapabilities | null

  connected = $state(false)
  everConnected = $state(false)
  /** Why the connection is down, when the transport could find out. */
  connectionReason = $state<string | undefined>(undefined)
  /** The daemon refused this page's token (a rotated or foreign one): the page needs the current address. */
  tokenRejected = $state(false)
  loading = $state(true)
  loadError = $state.raw<CallError | null>(null)

  device = $state.raw<{ id: string; name: string } | null>(null)
  folders = $state.raw<FolderInfo[]>([])
  peers = $state.raw<PeerInfo[]>([])
  peerRates = $state.raw<Record<string, PeerRate>>({})
  settings = $state.raw<Settings | null>(null)
  /** Newest first, at most 500. */
  activity = $state.raw<ActivityEvent[]>([])
  /** Devices of each two-way folder as last listed (the Devices tab and the folder card share it). */
  devices = $state.raw<Record<string, DeviceInfo[]>>({})
  /** Invites created in this window, per folder: the engine cannot list them again (it keeps no codes). */
  invites = $state.raw<Record<string, InviteInfo[]>>({})

  #samples = new Map<string, PeerSample>()
  #listeners = new Set<(event: ShoalEvent) => void>()
  #unsubscribe: (() => void) | null = null
  #offConnection: (() => void) | null = null

  constructor(transport: Transport, desktop: DesktopCapabilities | null = null) {
    this.transport = transport
    this.desktop = desktop
  }

  start(): void {
    this.#offConnection = this.transport.onConnection((connected, reason, tokenRejected) => {
      this.connected = connected
      this.connectionReason = reason
      this.tokenRejected = tokenRejected === true
      // Later reconnects resubscribe inside the transport and replay what happened meanwhile.
      if (connected && !this.everConnected) {
        this.everConnected = true
        void this.load()
      }
    })
  }

  stop(): void {
    this.#offConnection?.()
    this.#unsubscribe?.()
    this.#unsubscribe = null
  }

  /** Every API call goes through here, so failures reach the UI as { code, message }. */
  async call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
    try {
      return await this.transport.call(method, params)
    } catch (err) {
      throw toCallError(err)
    }
  }

  folder(id: string): FolderInfo | undefined {
    return this.folders.find((f) => f.id === id)
  }

  /** Lets a view react to events it cares about (the file list to file-changed of its folder). */
  onEvent(listener: (event: ShoalEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  async load(): Promise<void> {
    this.loading = true
    this.loadError = null
    try {
      const status = await this.call('status', {})
      this.device = { id: status.device, name: status.deviceName }
      this.folders = sortFolders(status.folders)
      // Events after the snapshot's seq: nothing between the snapshot and the stream is lost.
      this.#unsubscribe ??= this.transport.subscribe(status.lastSeq, (e) => this.apply(e), (restarted) => void this.reload(restarted))
      const [peers, settings, past] = await Promise.all([
        this.call('peers.list', {}),
        this.call('settings.get', {}),
        this.call('events.since', { since: 0 }).catch(() => null) // an older daemon without events.since: the Activity list starts empty
      ])
      this.peers = peers
      this.settings = settings
      if (past) {
        const older = past.events.filter((e): e is ActivityEvent => e.seq <= status.lastSeq && isActivity(e)).reverse()
        this.activity = mergeActivity(this.activity, older)
      }
    } catch (err) {
      this.loadError = toCallError(err)
    } finally {
      this.loading = false
    }
  }

  /**
   * After events were missed: what was built from them is reloaded whole. After a restart of the
   * daemon (`restarted`), the Activity list too: it starts again from what the new engine has seen,
   * as a reload of the page would (the old seq numbers mean nothing to it).
   */
  async reload(restarted = false): Promise<void> {
    try {
      const [folders, peers, settings, past] = await Promise.all([
        this.call('folders.list', {}),
        this.call('peers.list', {}),
        this.call('settings.get', {}),
        restarted ? this.call('events.since', { since: 0 }).catch(() => null) : null // none: the list starts empty
      ])
      this.folders = sortFolders(folders)
      this.peers = peers
      this.settings = settings
      if (restarted) this.activity = past ? past.events.filter(isActivity).reverse().slice(0, ACTIVITY_LIMIT) : []
      this.loadError = null
    } catch (err) {
      this.loadError = toCallError(err)
    }
  }

  /** A result row from an action (pause, share, join) goes in at once; its event may come later. */
  putFolder(info: FolderInfo): void {
    this.folders = upsertFolder(this.folders, info)
  }

  /** Lists the devices of a two-way folder and keeps the answer for every view that shows them. */
  async loadDevices(folder: string): Promise<DeviceInfo[]> {
    const list = await this.call('devices.list', { folder })
    this.putDevices(folder, list)
    return list
  }

  putDevices(folder: string, list: DeviceInfo[]): void {
    this.devices = { ...this.devices, [folder]: list }
  }

  addInvite(folder: string, invite: InviteInfo): void {
    this.invites = { ...this.invites, [folder]: [invite, ...(this.invites[folder] ?? []).filter((i) => i.id !== invite.id)] }
  }

  dropInvite(folder: string, id: string): void {
    this.invites = { ...this.invites, [folder]: (this.invites[folder] ?? []).filter((i) => i.id !== id) }
  }

  apply(event: ShoalEvent): void {
    switch (event.type) {
      case 'folder-added':
        void this.#refreshFolders()
        break
      case 'folder-removed': {
        this.folders = removeFolder(this.folders, event.folder)
        const { [event.folder]: _devices, ...devices } = this.devices
        const { [event.folder]: _invites, ...invites } = this.invites
        this.devices = devices
        this.invites = invites
        void this.#refreshFolders()
        break
      }
      case 'folder-updated':
        if (this.folder(event.folder)) this.folders = upsertFolder(this.folders, event.info)
        else void this.#refreshFolders()
        break
      case 'folder-state':
        // `paused` and the totals come with the folder-updated row that follows within 250 ms.
        this.folders = patchFolder(this.folders, event.folder, { state: event.state, version: event.version, error: event.error })
        break
      case 'progress':
        this.folders = patchFolder(this.folders, event.folder, { progress: event.progress })
        break
      case 'peers': {
        const { samples, rates } = nextRates(this.#samples, this.peerRates, event.peers, event.time)
        this.#samples = samples
        this.peerRates = rates
        this.peers = event.peers
        break
      }
      case 'peer-joined':
        this.peers = peerJoined(this.peers, event.peer, event.time, event.folder)
        break
      case 'peer-left':
        this.peers = peerLeft(this.peers, event.peer, event.folder)
        break
      case 'file-changed':
      case 'error':
      case 'warning':
        this.activity = mergeActivity([event], this.activity)
        break
    }
    for (const listener of [...this.#listeners]) listener(event)
  }

  async #refreshFolders(): Promise<void> {
    try {
      this.folders = sortFolders(await this.call('folders.list', {}))
    } catch {
      // The connection dropped; the reconnect replays the event and we come back here.
    }
  }
}
