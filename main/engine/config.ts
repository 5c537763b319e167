import os from 'node:os'
import { readJson, writeJsonState } from './fs/state-file.ts'
import type { DeleteGuard, FolderKind } from '../../shared/folder.ts'
import type { HistorySettings } from './drive/history-keeper.ts'
import { DEFAULT_UI_PORT, isUiPort } from '../../shared/ui-port.ts'

// What the engine remembers between runs: settings and the list of folders. Drive content and
// history live in the Corestore; each folder's local index lives in its own state folder.

/** History settings (drive/history-keeper.ts): the policy when not the defaults, the last prune, the last disk figures. */
export interface FolderConfig extends HistorySettings {
  id: string
  name: string
  path: string
  kind: FolderKind
  /** Drive key, hex. */
  key: string
  /** Encryption key (hex) for encrypted drives; kept here because Hypercore does not persist it. */
  readKey?: string
  paused: boolean
  createdAt: number
  /** Receive-only folder with atomic updates: the path is a link to complete versions (atomic-versions.ts). */
  atomic?: boolean
  /** Receivers: hold the folder at this drive version instead of following the latest. */
  pinned?: number
  /** Receivers: false keeps no second copy of the files in the store (drive/store-copy.ts); default true. */
  storeCopy?: boolean
  /** Receivers: shell command run after each version applied (see follow-policy.ts). */
  hook?: string
  /** The mass-delete guard's settings, when not the defaults (folder/delete-guard.ts). */
  deleteGuard?: Partial<DeleteGuard>
  /** Two-way: joining with an invite, not yet added by a device of the folder. */
  joining?: boolean
  /** Two-way: another device removed this one from the folder (by: its name); the folder stays stopped. */
  removed?: { by: string; at: number }
}

export interface EngineConfig {
  deviceName: string
  bootstrap: string[]
  bind: string
  startAtLogin: boolean
  /** The web UI's port on 127.0.0.1 (shared/ui-port.ts); `shoal run --port` overrides it for one run. */
  uiPort: number
  /** Bytes per second for the whole device (network/rate-limit.ts); 0 = no limit. */
  uploadLimit: number
  downloadLimit: number
  folders: FolderConfig[]
}

export function defaultConfig(): EngineConfig {
  return { deviceName: os.hostname() || 'device', bootstrap: [], bind: '', startAtLogin: false, uiPort: DEFAULT_UI_PORT, uploadLimit: 0, downloadLimit: 0, folders: [] }
}

export async function loadConfig(file: string): Promise<EngineConfig> {
  const stored = await readJson<Partial<EngineConfig>>(file)
  const config = { ...defaultConfig(), ...(stored ?? {}), folders: stored?.folders ?? [] }
  // A hand-edited config.json with a port that cannot be: the default, rather than no web UI.
  if (!isUiPort(config.uiPort)) config.uiPort = DEFAULT_UI_PORT
  // A hand-edited limit that is not a rate: no limit, rather than a stalled network.
  for (const key of ['uploadLimit', 'downloadLimit'] as const) if (!isRate(config[key])) config[key] = 0
  return config
}

export async function saveConfig(file: string, config: EngineConfig): Promise<void> {
  await writeJsonState(file, config)
}

function isRate(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}
