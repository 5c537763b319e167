// What a folder runner is given by the engine (device.ts): the shared store and swarm, where to
// report, its own state directory, and the device-wide settings a folder reads.
import type Corestore from 'corestore'
import type { EventLog } from '../event-log.ts'
import type { SwarmHost } from '../network/swarm-host.ts'
import type { StoreSpace } from '../fs/store-space.ts'
import type { Folding } from '../fs/name-folding.ts'

export interface FolderContext {
  store: Corestore
  swarm: SwarmHost
  events: EventLog
  /** Folder's own state directory (local index) inside the data directory. */
  stateDir: string
  deviceName: string
  /** Other devices as this one knows them: the name each gave itself, when it was last connected. */
  knownDevices: DeviceDirectory
  rescanIntervalMs: number
  /** How often a folder applies its history setting (drive/history-keeper.ts). */
  historyCheckMs: number
  /** Where the store's full disk is waited out, once for every folder (store-space.ts). */
  storeSpace: StoreSpace
  /** How long a receiver waits for a peer to send a block of a file before it says no peer has it. */
  contentStallMs: number
  /** Whether the filesystem of `dir` folds case or Unicode forms (fs/name-folding.ts probeFolding). */
  probeFolding(dir: string): Promise<Folding>
  /** False for one-shot commands that only change configuration: folders do not go online. */
  network: boolean
  /** True when the folder is opened from the stored settings at start, false when just added. */
  restored: boolean
  /** The folder's settings changed: the engine stores them (soon, once for a burst); resolves when stored. */
  settingsChanged(): Promise<void>
}

export interface DeviceDirectory {
  get(deviceKey: string): { name?: string } | undefined
  lastSeen(deviceKey: string): number | undefined
  /** This device's name now (it may have changed since the folder opened). */
  ownName(): string
}
