import os from 'node:os'
import path from 'node:path'

/** The OS's usual place for application data, overridable by --data / SHOAL_DATA. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.SHOAL_DATA) return path.resolve(env.SHOAL_DATA)
  const home = os.homedir()
  if (platform === 'win32') return path.join(env.APPDATA || path.join(home, 'AppData', 'Roaming'), 'Shoal')
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Shoal')
  return path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'shoal')
}

export const dataPaths = (dataDir: string) => ({
  store: path.join(dataDir, 'store'),
  config: path.join(dataDir, 'config.json'),
  daemon: path.join(dataDir, 'daemon.json'),
  /** Activity of earlier runs (activity-file.ts): one JSON line per batch. */
  activity: path.join(dataDir, 'activity.jsonl'),
  /** Written by `shoal run` while it starts (main/daemon/starting-mark.ts): other commands wait for it. */
  starting: path.join(dataDir, 'daemon.starting'),
  /** The web UI's token (main/daemon/ui-token.ts), kept across restarts. */
  uiToken: path.join(dataDir, 'ui-token'),
  /** Devices this one has been connected to: names and last-seen times (network/known-devices.ts). */
  knownDevices: path.join(dataDir, 'devices.json'),
  folderState: (id: string) => path.join(dataDir, 'folders', id)
})
