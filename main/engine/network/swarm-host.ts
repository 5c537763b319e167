import Hyperswarm from 'hyperswarm'
import HyperDHT from 'hyperdht'
import type Corestore from 'corestore'
import { Resource } from '../resource.ts'
import type { EventLog } from '../event-log.ts'
import { toDhtBootstrap } from './bootstrap.ts'
import type { PeerInfo } from '../../../shared/folder.ts'
import { letGo } from '../../../shared/let-go.ts'
import { DeviceChannel, type DeviceChannelHandlers, type RemovedNotice } from './device-channel.ts'
import { TokenBucket, limitConnection, type DeviceLimits } from './rate-limit.ts'
import { RequestWindow } from './request-window.ts'

export interface SwarmHostOptions {
  store: Corestore
  keyPair: { publicKey: Buffer; secretKey: Buffer }
  /** host:port list; empty = public DHT. */
  bootstrap: string[]
  /** Address to bind to; '' = all interfaces. */
  bind: string
  events: EventLog
  /** A connection that received nothing this long after opening is dropped so Hyperswarm redials. */
  stallTimeoutMs?: number
  /** Refuses (and Hyperswarm then bans) a peer when it returns true. */
  firewall?: (remotePublicKey: Buffer) => boolean
  /** This device's name, sent to every peer when it connects (device-channel.ts). */
  deviceName?: () => string
  /** What peers say on the device channel, and when they come and go (the engine's known devices). */
  devices?: DeviceChannelHandlers & { connected(peer: string): void; left(peer: string, stillConnected: boolean): void }
  /** Bytes per second for the whole device, 0 = no limit; setLimits changes them at once. */
  uploadLimit?: number
  downloadLimit?: number
}

interface PeerRecord {
  conn: Hyperswarm.Connection
  info: Hyperswarm.PeerInfo
  connectedAt: number
  lastRx: number
  seenData: boolean
  channel: DeviceChannel | null
}

// One Hyperswarm per engine: folders join and leave their drive's discovery topic here, and every
// connection replicates the whole Corestore (Hypercore only sends cores both sides asked for).
export class SwarmHost extends Resource {
  readonly opts: SwarmHostOptions
  swarm: Hyperswarm | null = null
  #peers = new Map<string, PeerRecord>()
  #topics = new Map<string, { topic: Buffer; folder: string }>()
  #stallTimer: NodeJS.Timeout | null = null
  readonly #limits: DeviceLimits
  #requestWindow: RequestWindow | null = null

  constructor(opts: SwarmHostOptions) {
    super()
    this.opts = opts
    this.#limits = { upload: new TokenBucket(opts.uploadLimit ?? 0), download: new TokenBucket(opts.downloadLimit ?? 0) }
  }

  /** New device-wide limits (bytes per second, 0 = none), applied at once to every connection. */
  setLimits({ upload, download }: { upload?: number; download?: number }): void {
    if (upload !== undefined) this.#limits.upload.setRate(upload)
    if (download !== undefined) this.#limits.download.setRate(download)
    if (download !== undefined) this.#requestWindow?.setDownloadLimit(download)
  }

  get publicKey(): Buffer {
    return this.opts.keyPair.publicKey
  }

  protected async _open(): Promise<void> {
    const { bootstrap, bind } = this.opts
    this.#requestWindow = new RequestWindow(this.opts.store)
    if (this.#limits.download.rate > 0) this.#requestWindow.setDownloadLimit(this.#limits.download.rate)
    const loopback = bind.startsWith('127.') || bind === 'localhost'
    const dht = new HyperDHT({
      keyPair: this.opts.keyPair,
      ...(bootstrap.length ? { bootstrap: toDhtBootstrap(bootstrap) } : {}),
      ...(bind ? { host: bind === 'localhost' ? '127.0.0.1' : bind } : {}),
      // On loopback nobody is behind a NAT; saying so avoids a slow holepunch dance.
      ...(loopback ? { firewalled: false } : {})
    })
    this.swarm = new Hyperswarm({ keyPair: this.opts.keyPair, dht, ...(this.opts.firewall ? { firewall: this.opts.firewall } : {}) })
    this.swarm.on('connection', (conn: Hyperswarm.Connection, info: Hyperswarm.PeerInfo) => this.#onConnection(conn, info))
    this.swarm.on('error', () => {})
    this.#stallTimer = setInterval(() => this.#dropStalled(), 1000)
    this.#stallTimer.unref()
  }

  protected async _close(): Promise<void> {
    if (this.#stallTimer) clearInterval(this.#stallTimer)
    for (const { conn } of this.#peers.values()) conn.destroy()
    if (this.swarm) await this.swarm.destroy({ force: true }).catch(letGo) // closing anyway: a socket that fails to close is gone with the process
  }

  #onConnection(conn: Hyperswarm.Connection, info: Hyperswarm.PeerInfo): void {
    const id = conn.remotePublicKey.toString('hex')
    const record: PeerRecord = { conn, info, connectedAt: Date.now(), lastRx: this.#rx(conn), seenData: false, channel: null }
    this.#peers.set(id, record)
    conn.on('error', () => {})
    conn.on('close', () => {
      if (this.#peers.get(id)?.conn === conn) {
        this.#peers.delete(id)
        this.opts.events.emitEvent({ type: 'peer-left', peer: id })
      }
      this.opts.devices?.left(id, this.#peers.has(id))
    })
    limitConnection(conn, this.#limits)
    this.opts.store.replicate(conn)
    // replicate() put the connection's Protomux on userData: the device channel rides beside it.
    const devices = this.opts.devices
    if (devices) {
      record.channel = new DeviceChannel((conn as unknown as { userData: unknown }).userData, id, this.opts.deviceName?.() ?? '', devices)
      devices.connected(id)
    }
    this.opts.events.emitEvent({ type: 'peer-joined', peer: id })
  }

  #rx(conn: Hyperswarm.Connection): number {
    return (conn.rawStream as { bytesReceived?: number } | undefined)?.bytesReceived ?? 0
  }

  // Works around connections that open but never carry data (seen on loopback, see STACK.md): they
  // would otherwise hold the peer slot until a 13-15 s timeout.
  #dropStalled(): void {
    const limit = this.opts.stallTimeoutMs ?? 4000
    const now = Date.now()
    for (const record of this.#peers.values()) {
      const rx = this.#rx(record.conn)
      if (rx !== record.lastRx) {
        record.lastRx = rx
        record.seenData = true
        continue
      }
      if (!record.seenData && now - record.connectedAt > limit) record.conn.destroy(new Error('connection stalled'))
    }
  }

  async join(topic: Buffer, folder: string, opts: { server: boolean; client: boolean } = { server: true, client: true }): Promise<void> {
    if (!this.swarm) throw new Error('swarm is not open')
    this.#topics.set(topic.toString('hex'), { topic, folder })
    const discovery = this.swarm.join(topic, opts)
    await discovery.flushed()
  }

  async leave(topic: Buffer): Promise<void> {
    this.#topics.delete(topic.toString('hex'))
    // After the engine closed the network (it does so before its folders) there is nothing to leave.
    if (this.swarm && !this.closing) await this.swarm.leave(topic)
  }

  /** Tells every connected peer this device's new name. */
  sendName(name: string): void {
    for (const { channel } of this.#peers.values()) channel?.sendName(name)
  }

  /** Tells a connected peer that it was removed from a two-way folder (once per connection). */
  sendRemoved(peer: string, notice: RemovedNotice): void {
    this.#peers.get(peer)?.channel?.sendRemoved(notice)
  }

  get peerCount(): number {
    return this.#peers.size
  }

  peers(foldersOfPeer: (peerId: string) => string[]): PeerInfo[] {
    return [...this.#peers.entries()].map(([id, { conn, connectedAt }]) => {
      const raw = conn.rawStream as { bytesReceived?: number; bytesTransmitted?: number; remoteHost?: string; remotePort?: number } | undefined
      const folders = foldersOfPeer(id)
      return {
        id,
        folders,
        uploadedBytes: raw?.bytesTransmitted ?? 0,
        downloadedBytes: raw?.bytesReceived ?? 0,
        connectedAt,
        ...(raw?.remoteHost ? { address: `${raw.remoteHost}:${raw.remotePort}` } : {})
      }
    })
  }
}
