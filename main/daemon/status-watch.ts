import fs from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import type { GlobalOptions } from './args.ts'
import type { Io } from './commands/types.ts'
import { DaemonClient, type Subscription } from './client.ts'
import { dataPaths } from '../engine/data-dir.ts'
import { printable } from './printable.ts'
import { statusJson, statusLines, type StatusSnapshot } from './status-lines.ts'

// `shoal status --watch`: the status again whenever it changes, until Ctrl-C. While `shoal run`
// runs, its event feed says when something happened (and a slow refresh catches figures that move
// without an event); without it, nothing syncs, so only a command that changes the settings
// (config.json) or a daemon that starts can change what status shows: those are polled, cheaply.

/** A refresh at least this often while the daemon runs (peer counts, transfer figures). */
export const WATCH_REFRESH_MS = 5_000
/** Events come in bursts (a sync emits one per file): at most one refresh this often. */
const THROTTLE_MS = 500
/** Without a daemon: how often to look for one, and for a changed config.json. */
const OFFLINE_POLL_MS = 1_000

/** Prints status snapshots until `stop` resolves; only blocks that differ from the last one shown. */
export async function watchStatus(global: GlobalOptions, io: Io, snapshot: () => Promise<StatusSnapshot>, stop: Promise<unknown>): Promise<void> {
  let stopped = false
  let wake: (() => void) | null = null
  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms)
      wake = done
      function done() {
        clearTimeout(timer)
        wake = null
        resolve()
      }
    })
  void stop.then(() => {
    stopped = true
    wake?.()
  })
  const show = blockPrinter(io, global.json)
  let feed: Subscription | null = null
  try {
    while (!stopped) {
      if (!feed) feed = await follow(global.dataDir, () => wake?.(), () => (feed = null))
      const started = Date.now()
      try {
        show(await snapshot())
      } catch (err) {
        // A daemon stopping mid-call, a lock held too long: said, and the watch goes on.
        io.err(`shoal: ${printable((err as Error)?.message ?? String(err))}`)
      }
      if (stopped) break
      if (feed) {
        await nap(WATCH_REFRESH_MS)
        const rest = THROTTLE_MS - (Date.now() - started)
        if (rest > 0 && !stopped) await sleep(rest)
      } else {
        await offlineChange(global.dataDir, nap, () => stopped)
      }
    }
  } finally {
    feed?.close()
  }
}

/** The daemon's live events (none replayed), each calling onEvent; null when no daemon answers. */
async function follow(dataDir: string, onEvent: () => void, onEnd: () => void): Promise<Subscription | null> {
  const client = await DaemonClient.find(dataDir)
  if (!client) return null
  const feed = client.subscribe(Number.MAX_SAFE_INTEGER, onEvent)
  try {
    await feed.ready
  } catch {
    feed.close()
    return null // gone between the probe and the subscribe: the next round finds out
  }
  void feed.closed.then(() => {
    onEnd()
    onEvent() // the daemon stopped: show it
  })
  return feed
}

/** Waits until a daemon answers or config.json changes (a share, a pause from another terminal). */
async function offlineChange(dataDir: string, nap: (ms: number) => Promise<void>, stopped: () => boolean): Promise<void> {
  const stamp = await configStamp(dataDir)
  while (!stopped()) {
    await nap(OFFLINE_POLL_MS)
    if (stopped()) return
    if ((await configStamp(dataDir)) !== stamp) return
    if (await DaemonClient.find(dataDir)) return
  }
}

async function configStamp(dataDir: string): Promise<string> {
  const st = await fs.stat(dataPaths(dataDir).config).catch(() => null) // no config yet: nothing shared
  return st ? `${st.mtimeMs}:${st.size}:${st.ino}` : 'none'
}

/**
 * Shows a block unless it is the one shown last: on a terminal in place of the previous one (the
 * screen cleared, as `watch` does), otherwise after it with a time line, so a log keeps them all.
 * --json prints one JSON object per line.
 */
function blockPrinter(io: Io, json: boolean): (snap: StatusSnapshot) => void {
  let last = ''
  return (snap) => {
    const text = json ? JSON.stringify(statusJson(snap)) : statusLines(snap).join('\n')
    if (text === last) return
    const first = last === ''
    last = text
    if (json) return io.out(text)
    const time = new Date().toLocaleTimeString()
    if (io.clearScreen) {
      io.clearScreen()
      io.out(`Every change, until Ctrl-C (${time})\n\n${text}`)
    } else {
      io.out(`${first ? '' : '\n'}--- ${time}\n${text}`)
    }
  }
}
