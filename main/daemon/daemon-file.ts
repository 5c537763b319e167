import fs from 'node:fs/promises'
import { readJson, writeJsonState } from '../engine/fs/state-file.ts'
import { dataPaths } from '../engine/data-dir.ts'

// daemon.json tells other processes (the CLI, scripts) that `shoal run` owns a data directory and
// how to reach it. It holds the API token, so it is written 0600 and only ever atomically.

export interface DaemonInfo {
  pid: number
  port: number
  token: string
  /** Base URL of the API and web UI, without the token. */
  url: string
}

export function daemonFilePath(dataDir: string): string {
  return dataPaths(dataDir).daemon
}

export async function writeDaemonFile(dataDir: string, info: DaemonInfo): Promise<void> {
  await writeJsonState(daemonFilePath(dataDir), info, 0o600)
}

/** Reads daemon.json; null when it is missing or does not look like one of ours. */
export async function readDaemonFile(dataDir: string): Promise<DaemonInfo | null> {
  const raw = await readJson<Partial<DaemonInfo>>(daemonFilePath(dataDir)).catch(() => null) // unreadable or half written (a SyntaxError too): no daemon known
  if (!raw || typeof raw !== 'object') return null
  const { pid, port, token, url } = raw
  if (!Number.isInteger(pid) || !Number.isInteger(port) || typeof token !== 'string' || typeof url !== 'string') return null
  return { pid: pid!, port: port!, token, url }
}

/** Removes daemon.json only if it is still ours, so a closing server never deletes a newer daemon's file. */
export async function removeDaemonFile(dataDir: string, token: string): Promise<void> {
  const current = await readDaemonFile(dataDir)
  if (current && current.token !== token) return
  await fs.rm(daemonFilePath(dataDir), { force: true })
}
