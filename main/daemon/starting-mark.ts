import fs from 'node:fs/promises'
import { readJson, writeJsonState } from '../engine/fs/state-file.ts'
import { dataPaths } from '../engine/data-dir.ts'
import { isAlive } from './pid-alive.ts'

// `shoal run` writes daemon.starting (its pid) before it takes the data directory's lock and removes
// it once daemon.json says where it answers. A one-shot command that finds a live mark waits for the
// daemon and goes through it, instead of opening the data directory and taking the lock from under
// a daemon that is starting. A mark whose process is gone (a crash) is ignored.

/** Marks the data directory as having a daemon on its way; resolves to the function that unmarks it. */
export async function markStarting(dataDir: string): Promise<() => Promise<void>> {
  const file = dataPaths(dataDir).starting
  await writeJsonState(file, { pid: process.pid })
  let removed = false
  return async () => {
    if (removed) return
    removed = true
    // Only our own mark: a second `shoal run` racing this one may have written its own since.
    if ((await startingPid(dataDir)) === process.pid) await fs.rm(file, { force: true })
  }
}

/** The pid of a `shoal run` that is starting for dataDir (not this process), or null. */
export async function startingDaemon(dataDir: string): Promise<number | null> {
  const pid = await startingPid(dataDir)
  return pid !== null && pid !== process.pid && isAlive(pid) ? pid : null
}

async function startingPid(dataDir: string): Promise<number | null> {
  const raw = await readJson<{ pid?: unknown }>(dataPaths(dataDir).starting).catch(() => null) // half written or unreadable: no mark
  return raw && Number.isInteger(raw.pid) ? (raw.pid as number) : null
}
