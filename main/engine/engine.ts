import fs from 'node:fs/promises'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import Corestore from 'corestore'
import CoreStorage from 'hypercore-storage'
import { Resource } from './resource.ts'
import { EventLog } from './event-log.ts'
import { SwarmHost } from './swarm-host.ts'
import { dataPaths } from './data-dir.ts'
import { parseBootstrap } from './network.ts'
import { loadConfig, saveConfig, type EngineConfig, type FolderConfig } from './config.ts'
import type { SyncFolder, FolderContext } from './folder.ts'
import { PublishFolder } from './folder-publish.ts'
import { FollowFolder } from './folder-follow.ts'
import { AtomicFollowFolder } from './folder-follow-atomic.ts'
import { TwoWayFolder } from './twoway/folder-twoway.ts'
import { SeedFolder } from './folder-seed.ts'
import { closeFailedDrive, explainReadError, isDecodingError } from './seed-errors.ts'
import { handlers } from './api-handlers.ts'
import { ShoalError, toShoalError } from '../../shared/errors.ts'
import { validateRequest } from '../../shared/validate.ts'
import { methods, type MethodName, type Params, type Result, type ShoalApi } from '../../shared/api.ts'
import type { FolderKind } from '../../shared/folder.ts'

export interface EngineOptions {
  dataDir: string
  /** Overrides the stored bootstrap list for this run (host:port). */
  bootstrap?: string[]
  /** Overrides the stored bind address for this run. */
  bind?: string
  /** Full rescan of published folders, in case the watcher missed something. */
  rescanIntervalMs?: number
  /** Start the network (false for one-shot CLI commands that only change configuration). */
  network?: boolean
  /** Refuses connections with a peer when it returns true (Hyperswarm's firewall); tests cut links with it. */
  firewall?: (remotePublicKey: Buffer) => boolean
}

const FOLDER_KINDS: Record<FolderKind, new (config: FolderConfig, ctx: FolderContext) => SyncFolder> = {
  publish: PublishFolder,
  follow: FollowFolder,
  'two-way': TwoWayFolder,
  seed: SeedFolder
}

// The engine: one data directory, one Corestore, one swarm, and the folders. Every operation goes
// through call(), which validates the request against the contract in shared/api.ts.
export class Engine extends Resource implements ShoalApi {
  readonly opts: EngineOptions
  readonly events = new EventLog()
  readonly paths: ReturnType<typeof dataPaths>
  config!: EngineConfig
  store!: Corestore
  swarm!: SwarmHost
  deviceKey!: Buffer
  readonly folders = new Map<string, SyncFolder>()
  #saving: Promise<void> = Promise.resolve()
  #peerTimer: NodeJS.Timeout | null = null

  constructor(opts: EngineOptions) {
    super()
    this.opts = { ...opts, dataDir: path.resolve(opts.dataDir) }
    this.paths = dataPaths(this.opts.dataDir)
  }

  get bootstrap(): string[] {
    return this.opts.bootstrap ?? this.config.bootstrap
  }

  get bind(): string {
    return this.opts.bind ?? this.config.bind
  }

  protected async _open(): Promise<void> {
    await fs.mkdir(this.opts.dataDir, { recursive: true })
    this.config = await loadConfig(this.paths.config)
    parseBootstrap(this.bootstrap) // a bad entry is the user's to fix: say which one, before anything opens
    // RocksDB's default 64 MiB write buffers (two of them) dominate a receiver's memory; 8 MiB
    // keeps peak RSS down by ~60 MB while importing thousands of files (bench figures).
    this.store = new Corestore(new CoreStorage(this.paths.store, { writeBufferSize: 8 * 1024 * 1024 }))
    try {
      await this.store.ready()
    } catch (err) {
      await this.store.close().catch(() => {})
      if (/lock/i.test(String((err as Error)?.message))) {
        throw new ShoalError('DATA_DIR_LOCKED', `Another Shoal process is using the data directory ${this.opts.dataDir} (is 'shoal run' running?)`)
      }
      throw toShoalError(err)
    }
    const keyPair = await this.store.createKeyPair('hyperswarm')
    this.deviceKey = keyPair.publicKey
    this.swarm = new SwarmHost({ store: this.store, keyPair, bootstrap: this.bootstrap, bind: this.bind, events: this.events, firewall: this.opts.firewall })
    if (this.opts.network !== false) await this.swarm.ready()
    for (const config of this.config.folders) await this.#openFolder(config)
    // Peer transfer totals change continuously; clients get them as an event, not by polling.
    this.#peerTimer = setInterval(() => {
      if (this.swarm.peerCount > 0) this.events.emitEvent({ type: 'peers', peers: this.peerList() })
    }, 2000)
    this.#peerTimer.unref()
  }

  /** Connected peers, each with the folders (of ours) it shares with us. */
  peerList() {
    // Replication sessions tell which folder each peer shares (discovery topics do not, for
    // connections the other side opened).
    const byPeer = new Map<string, string[]>()
    for (const folder of this.folders.values()) {
      for (const peer of (folder instanceof SeedFolder ? folder.db?.peers : folder.drive?.core?.peers) ?? []) {
        const id = peer.remotePublicKey.toString('hex')
        byPeer.set(id, [...(byPeer.get(id) ?? []), folder.id])
      }
    }
    return this.swarm.peers((peerId) => byPeer.get(peerId) ?? [])
  }

  protected async _close(): Promise<void> {
    if (this.#peerTimer) clearInterval(this.#peerTimer)
    // The network first: data still arriving while folders and the store close would be verified
    // against a closed database (an unhandled 'RocksDB session is closed' inside Hypercore).
    if (this.swarm) await this.swarm.close()
    await Promise.all([...this.folders.values()].map((f) => f.close().catch(() => {})))
    this.folders.clear()
    await this.#saving
    if (this.store) await this.store.close()
  }

  async #openFolder(config: FolderConfig): Promise<SyncFolder> {
    const ctx: FolderContext = {
      store: this.store,
      swarm: this.swarm,
      events: this.events,
      stateDir: this.paths.folderState(config.id),
      deviceName: this.config.deviceName,
      rescanIntervalMs: this.opts.rescanIntervalMs ?? 60_000,
      network: this.opts.network !== false
    }
    const Kind = config.kind === 'follow' && config.atomic ? AtomicFollowFolder : FOLDER_KINDS[config.kind]
    const folder = new Kind(config, ctx)
    this.folders.set(config.id, folder)
    try {
      await folder.ready()
    } catch (err) {
      // One broken folder must not keep the others from syncing.
      // A drive that failed to open on a wrong or missing read key must let go of its cores.
      if (isDecodingError(err)) await closeFailedDrive(folder.drive)
      const e = toShoalError(explainReadError(err))
      folder.state = 'error'
      folder.error = e.message
      this.events.emitEvent({ type: 'error', folder: config.id, code: e.code, message: e.message })
    }
    return folder
  }

  async call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
    if (!this.opened) await this.ready()
    const request = validateRequest(method, params)
    const handler = handlers[request.method] as (engine: Engine, params: unknown) => Promise<unknown>
    const result = await handler(this, request.params)
    return methods[method].result.parse(result) as Result<M>
  }

  /** Finds a folder by id, by path, or by a path inside it. */
  findFolder(ref: string): SyncFolder {
    const byId = this.folders.get(ref)
    if (byId) return byId
    const abs = path.resolve(ref)
    for (const folder of this.folders.values()) if (folder.config.path === abs) return folder
    throw new ShoalError('FOLDER_NOT_FOUND', `No shared or followed folder matches '${ref}' (see 'shoal status')`)
  }

  async addFolder(config: Omit<FolderConfig, 'id' | 'createdAt' | 'paused'>): Promise<SyncFolder> {
    // Seed folders have no local folder (path ''): only their key can clash.
    const abs = config.kind === 'seed' ? '' : path.resolve(config.path)
    for (const other of this.folders.values()) {
      const p = other.config.path
      if (abs !== '' && p !== '' && (p === abs || abs.startsWith(p + path.sep) || p.startsWith(abs + path.sep))) {
        const what = other.config.kind === 'publish' ? 'shares' : other.config.kind === 'follow' ? 'follows' : 'syncs two-way'
        throw new ShoalError('FOLDER_EXISTS', p === abs ? `Shoal already ${what} ${abs}` : `${abs} overlaps ${p}, which Shoal already ${what}`)
      }
      if (config.key && other.config.key === config.key) {
        if (other.config.kind === 'seed') throw new ShoalError('FOLDER_EXISTS', 'This device already seeds this folder')
        throw new ShoalError('FOLDER_EXISTS', `This link is already ${other.config.kind === 'publish' ? 'shared from' : 'followed into'} ${p}`)
      }
    }
    const full: FolderConfig = { ...config, path: abs, id: randomBytes(5).toString('hex'), createdAt: Date.now(), paused: false }
    const folder = await this.#openFolder(full)
    if (full.kind === 'publish') full.key = folder.drive.key.toString('hex')
    this.config.folders.push(full)
    await this.saveConfig()
    this.events.emitEvent({ type: 'folder-added', folder: full.id })
    return folder
  }

  async removeFolder(ref: string): Promise<string> {
    const folder = this.findFolder(ref)
    await folder.close()
    this.folders.delete(folder.id)
    this.config.folders = this.config.folders.filter((f) => f.id !== folder.id)
    await this.saveConfig()
    // The local index goes; the files in the folder stay where they are.
    await fs.rm(this.paths.folderState(folder.id), { recursive: true, force: true })
    this.events.emitEvent({ type: 'folder-removed', folder: folder.id })
    return folder.config.path || folder.config.name // a seed has no local folder
  }

  saveConfig(): Promise<void> {
    const run = this.#saving.then(() => saveConfig(this.paths.config, this.config))
    this.#saving = run.catch(() => {})
    return run
  }
}
