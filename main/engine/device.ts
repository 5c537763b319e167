import fs from 'node:fs/promises'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import Corestore from 'corestore'
import CoreStorage from 'hypercore-storage'
import Rache from 'rache'
import { Resource } from './resource.ts'
import { EventLog } from './event-log.ts'
import { ActivityFile, isActivity } from './activity-file.ts'
import type { ShoalEvent } from '../../shared/events.ts'
import { SwarmHost } from './network/swarm-host.ts'
import { KnownDevices } from './network/known-devices.ts'
import type { RemovedNotice } from './network/device-channel.ts'
import type { KnownDevice, PeerInfo } from '../../shared/folder.ts'
import { StoreSpace } from './fs/store-space.ts'
import { probeFolding, type Folding } from './fs/name-folding.ts'
import { dataPaths } from './data-dir.ts'
import { removeDataDirTempFiles } from './fs/temp-files.ts'
import { parseBootstrap } from './network/bootstrap.ts'
import { loadConfig, saveConfig, type EngineConfig, type FolderConfig } from './config.ts'
import { FolderRunner, type FolderContext } from './folder/runner.ts'
import { kindOf } from './kinds.ts'
import { explainReadError } from './drive/read-errors.ts'
import { ShoalError, toShoalError } from '../../shared/errors.ts'
import { letGo } from '../../shared/let-go.ts'

/** A link whose folder this device already has: says where (joining or previewing it again). */
export function linkAlreadyHere(other: FolderConfig): ShoalError {
  if (other.kind === 'seed') return new ShoalError('FOLDER_EXISTS', 'This device already seeds this folder')
  const how = other.kind === 'publish' ? 'shared here from' : other.kind === 'follow' ? 'joined here into' : 'synced here in'
  return new ShoalError('FOLDER_EXISTS', `This link is already ${how} ${other.path}`)
}

export interface EngineOptions {
  dataDir: string
  /** Overrides the stored bootstrap list for this run (host:port). */
  bootstrap?: string[]
  /** Overrides the stored bind address for this run. */
  bind?: string
  /** Full rescan of published folders, in case the watcher missed something (default hourly; every minute while the watcher fails). */
  rescanIntervalMs?: number
  /** How long a receiver waits for any block of a file before reporting that no peer has it (default 30 s). */
  contentStallMs?: number
  /** How often a folder applies its history setting (default hourly; the first a minute after it starts). */
  historyCheckMs?: number
  /** Start the network (false for one-shot CLI commands that only change configuration). */
  network?: boolean
  /** Refuses connections with a peer when it returns true (Hyperswarm's firewall); tests cut links with it. */
  firewall?: (remotePublicKey: Buffer) => boolean
  /**
   * What the probe of a receiving folder's filesystem answers (fs/name-folding.ts), instead of
   * probing: tests simulate a case-folding folder on a kernel without casefold support.
   */
  nameFolding?: Folding
}

/** How long closing waits for one folder before leaving it behind (a read stuck on a dead disk). */
export const FOLDER_CLOSE_MS = 5_000

/**
 * Index nodes (Hyperbee blocks, decoded) kept in memory for all drives together: the upper levels
 * of the trees in use stay hot. Hyperbee's own default, 65,536 for each drive and checkout, held
 * ~60 MB once a drive had 100,000 files.
 */
const INDEX_NODES_CACHED = 8192

/** Settings are written at most this often while they keep changing (pause, pin, hook...). */
const SAVE_SETTINGS_MS = 100

// This device: one data directory, one Corestore (and the device's key pair in it), one swarm, and
// the folders, each a FolderRunner driving the strategy of its kind (kinds.ts). The API on top of
// it is engine.ts.
export class Device extends Resource {
  readonly opts: EngineOptions
  readonly events = new EventLog()
  readonly paths: ReturnType<typeof dataPaths>
  config!: EngineConfig
  store!: Corestore
  storeSpace!: StoreSpace
  swarm!: SwarmHost
  deviceKey!: Buffer
  readonly folders = new Map<string, FolderRunner>()
  /** The port the web UI is served on right now, set by whoever serves it (shoal run, the desktop app). */
  uiPort: number | null = null
  #saveTimer: NodeJS.Timeout | null = null
  #soon: Promise<void> | null = null
  #saveNow: (() => Promise<void>) | null = null
  #saving: Promise<void> = Promise.resolve()
  #peerTimer: NodeJS.Timeout | null = null
  /** The Activity list across restarts. */
  readonly #activity: ActivityFile
  /** Devices this one has been connected to (names, last seen), kept in the data directory. */
  readonly known: KnownDevices
  readonly #keepActivity = (event: ShoalEvent) => {
    if (isActivity(event)) this.#activity.add(event)
  }

  constructor(opts: EngineOptions) {
    super()
    this.opts = { ...opts, dataDir: path.resolve(opts.dataDir) }
    this.paths = dataPaths(this.opts.dataDir)
    this.#activity = new ActivityFile(this.paths.activity)
    this.known = new KnownDevices(this.paths.knownDevices)
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
    // Hyperbee keeps up to 65,536 decoded index nodes for each drive and each checkout of one
    // unless the store gives it a cache: one cache for every drive of the store bounds them all.
    const globalCache = new Rache({ maxSize: INDEX_NODES_CACHED })
    this.store = new Corestore(new CoreStorage(this.paths.store, { writeBufferSize: 8 * 1024 * 1024 }), { globalCache })
    try {
      await this.store.ready()
    } catch (err) {
      await this.store.close().catch(letGo) // the open's error below is the one to report
      if (/lock/i.test(String((err as Error)?.message))) {
        throw new ShoalError('DATA_DIR_LOCKED', `Another Shoal process is using the data directory ${this.opts.dataDir} (is 'shoal run' running?)`)
      }
      throw toShoalError(err)
    }
    // Only now: the store's lock says no other process is writing in this data directory.
    // Earlier runs' activity first, so it comes before (and is numbered before) this run's.
    this.events.restore(await this.#activity.load())
    this.events.on('event', this.#keepActivity)
    const sweep = await removeDataDirTempFiles(this.opts.dataDir)
    for (const f of sweep.failed) this.events.emitEvent({ type: 'warning', message: `Could not remove ${f.path}, a temp file left by an interrupted write (${f.reason})` })
    this.storeSpace = new StoreSpace(this.opts.dataDir, this.store)
    const keyPair = await this.store.createKeyPair('hyperswarm')
    this.deviceKey = keyPair.publicKey
    await this.known.load()
    this.swarm = new SwarmHost({
      store: this.store,
      keyPair,
      bootstrap: this.bootstrap,
      bind: this.bind,
      events: this.events,
      firewall: this.opts.firewall,
      deviceName: () => this.config.deviceName,
      uploadLimit: this.config.uploadLimit,
      downloadLimit: this.config.downloadLimit,
      devices: {
        connected: (peer) => this.known.connected(peer),
        left: (peer, still) => this.known.left(peer, still),
        name: (peer, name) => this.known.named(peer, name),
        removed: (peer, notice) => this.#removedNotice(peer, notice)
      }
    })
    // A peer's name arrives just after it connected: clients get the list again with it.
    this.known.onChange = () => this.events.emitEvent({ type: 'peers', peers: this.peerList() })
    if (this.opts.network !== false) await this.swarm.ready()
    for (const config of this.config.folders) await this.#openFolder(config)
    // Peer transfer totals change continuously; clients get them as an event, not by polling.
    this.#peerTimer = setInterval(() => {
      if (this.swarm.peerCount > 0) this.events.emitEvent({ type: 'peers', peers: this.peerList() })
    }, 2000)
    this.#peerTimer.unref()
  }

  /** Connected peers, each with its name and the folders (of ours) it shares with us. */
  peerList(): PeerInfo[] {
    // Replication sessions tell which folder each peer shares (discovery topics do not, for
    // connections the other side opened).
    const byPeer = new Map<string, string[]>()
    for (const folder of this.folders.values()) {
      for (const id of folder.kind.peerKeys()) byPeer.set(id, [...(byPeer.get(id) ?? []), folder.id])
    }
    return this.swarm.peers((peerId) => byPeer.get(peerId) ?? []).map((p) => {
      this.known.sharing(p.id, p.folders)
      const name = this.known.get(p.id)?.name
      return name ? { ...p, name } : p
    })
  }

  /** Every device this one has been connected to, most recently seen first. */
  knownDevices(): KnownDevice[] {
    const live = new Map(this.peerList().map((p) => [p.id, p.folders]))
    const ours = (ids: string[]) => ids.filter((id) => this.folders.has(id))
    return this.known.list().map((d) => ({
      id: d.id,
      ...(d.name ? { name: d.name } : {}),
      connected: live.has(d.id),
      lastSeen: d.lastSeen,
      folders: ours(live.get(d.id)?.length ? live.get(d.id)! : d.folders)
    }))
  }

  /** A peer says it removed this device from a folder: the folder checks who says so. */
  #removedNotice(peer: string, notice: RemovedNotice): void {
    for (const folder of this.folders.values()) folder.kind.capabilities.devices?.removedNotice?.(peer, notice)
  }

  /** This device's new name: stored, and told to every connected device. */
  async rename(name: string): Promise<void> {
    this.config.deviceName = name
    this.swarm.sendName(name)
  }

  protected async _close(): Promise<void> {
    if (this.#peerTimer) clearInterval(this.#peerTimer)
    this.storeSpace?.close()
    // The network first: data still arriving while folders and the store close would be verified
    // against a closed database (an unhandled 'RocksDB session is closed' inside Hypercore).
    if (this.swarm) await this.swarm.close()
    await Promise.all([...this.folders.values()].map((f) => this.#closeFolder(f)))
    this.folders.clear()
    if (this.#saveNow) {
      // A change announced in the last moments: stored now, and whoever waits for it told so.
      if (this.#saveTimer) clearTimeout(this.#saveTimer)
      await this.#saveNow()
    }
    await this.#saving
    this.events.off('event', this.#keepActivity)
    await this.#activity.flush()
    await this.known.flush()
    if (this.store) await this.store.close()
  }

  /**
   * Closes a folder, waiting at most FOLDER_CLOSE_MS: one that does not finish by then (a read
   * stuck in the kernel) is reported and left behind, so the engine, and the process, can stop.
   */
  async #closeFolder(folder: FolderRunner): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), FOLDER_CLOSE_MS)
    })
    const closed = folder.close().then(
      () => 'closed' as const,
      // A folder that fails while closing has nothing left to save; the others must still close.
      () => 'closed' as const
    )
    const outcome = await Promise.race([closed, late])
    clearTimeout(timer)
    if (outcome === 'late') {
      const name = folder.config.path || folder.config.name
      this.events.emitEvent({ type: 'error', folder: folder.id, code: 'TIMEOUT', message: `${name} did not stop within ${FOLDER_CLOSE_MS / 1000} s (a file or disk that does not answer?); left behind so Shoal can stop. Its next start scans it again.` })
    }
  }

  async #openFolder(config: FolderConfig): Promise<FolderRunner> {
    const ctx: FolderContext = {
      store: this.store,
      swarm: this.swarm,
      events: this.events,
      stateDir: this.paths.folderState(config.id),
      deviceName: this.config.deviceName,
      knownDevices: { get: (d) => this.known.get(d), lastSeen: (d) => this.known.lastSeen(d), ownName: () => this.config.deviceName },
      // Hourly, as Syncthing does with its watcher on: the watcher sees changes as they happen, the
      // rescan only catches what it missed (at 100k files a rescan costs ~5 s of CPU).
      rescanIntervalMs: this.opts.rescanIntervalMs ?? 3600_000,
      contentStallMs: this.opts.contentStallMs ?? 30_000,
      probeFolding: (dir) => (this.opts.nameFolding ? Promise.resolve(this.opts.nameFolding) : probeFolding(dir)),
      historyCheckMs: this.opts.historyCheckMs ?? 3600_000,
      storeSpace: this.storeSpace,
      network: this.opts.network !== false,
      restored: !this.opened,
      settingsChanged: () => this.#saveSoon()
    }
    const folder = new FolderRunner(config, ctx, kindOf(config))
    this.folders.set(config.id, folder)
    try {
      await folder.ready()
    } catch (err) {
      // One broken folder must not keep the others from syncing.
      folder.status.fail(toShoalError(explainReadError(err))) // no or wrong read key: say so
    }
    return folder
  }

  /** Finds a folder by id, by path, or by a path inside it. */
  findFolder(ref: string): FolderRunner {
    const byId = this.folders.get(ref)
    if (byId) return byId
    const abs = path.resolve(ref)
    for (const folder of this.folders.values()) if (folder.config.path === abs) return folder
    throw new ShoalError('FOLDER_NOT_FOUND', `No shared or followed folder matches '${ref}' (see 'shoal status')`)
  }

  async addFolder(config: Omit<FolderConfig, 'id' | 'createdAt' | 'paused'>): Promise<FolderRunner> {
    // Seed folders have no local folder (path ''): only their key can clash.
    const abs = config.kind === 'seed' ? '' : path.resolve(config.path)
    for (const other of this.folders.values()) {
      const p = other.config.path
      if (abs !== '' && p !== '' && (p === abs || abs.startsWith(p + path.sep) || p.startsWith(abs + path.sep))) {
        const what = other.config.kind === 'publish' ? 'shares' : other.config.kind === 'follow' ? 'follows' : 'syncs two-way'
        throw new ShoalError('FOLDER_EXISTS', p === abs ? `Shoal already ${what} ${abs}` : `${abs} overlaps ${p}, which Shoal already ${what}`)
      }
      if (config.key && other.config.key === config.key) throw linkAlreadyHere(other.config)
    }
    const full: FolderConfig = { ...config, path: abs, id: randomBytes(5).toString('hex'), createdAt: Date.now(), paused: false }
    const folder = await this.#openFolder(full)
    this.config.folders.push(full)
    await this.saveConfig()
    this.events.emitEvent({ type: 'folder-added', folder: full.id })
    return folder
  }

  async removeFolder(ref: string): Promise<string> {
    const folder = this.findFolder(ref)
    await this.#closeFolder(folder)
    this.folders.delete(folder.id)
    this.config.folders = this.config.folders.filter((f) => f.id !== folder.id)
    await this.saveConfig()
    // The local index goes; the files in the folder stay where they are.
    await fs.rm(this.paths.folderState(folder.id), { recursive: true, force: true })
    this.known.forgetFolder(folder.id)
    this.events.emitEvent({ type: 'folder-removed', folder: folder.id })
    return folder.config.path || folder.config.name // a seed has no local folder
  }

  /** A folder's settings changed: stored shortly, once for a burst of changes; resolves when stored. */
  #saveSoon(): Promise<void> {
    this.#soon ??= new Promise<void>((resolve) => {
      const save = () => {
        this.#saveTimer = null
        this.#soon = null
        this.#saveNow = null
        return this.saveConfig().then(resolve, (err: unknown) => {
          const e = toShoalError(err)
          this.events.emitEvent({ type: 'error', code: e.code, message: `Could not save the settings: ${e.message}` })
          resolve() // reported; the change holds in memory and the next save stores it
        })
      }
      this.#saveNow = save
      this.#saveTimer = setTimeout(save, SAVE_SETTINGS_MS)
    })
    return this.#soon
  }

  /** Stores the settings now (including any change a folder announced). */
  saveConfig(): Promise<void> {
    const run = this.#saving.then(() => saveConfig(this.paths.config, this.config))
    this.#saving = run.catch(letGo) // the caller of this save gets the error; the next save runs anyway
    return run
  }
}
