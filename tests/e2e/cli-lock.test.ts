import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fsp from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { writeFiles } from '../helpers/files.ts'
import { Engine } from '../../main/engine/engine.ts'
import { cleanEnv, freeUdpPort, runShoal, startDaemon, startShoal, type ShoalProcess, type ShoalRun } from './helpers/shoal-process.ts'

// Commands that do not get in each other's way (issue 11): without a daemon, `shoal status` opens the
// data directory itself, and a `shoal run` started at that moment used to exit with "Another Shoal
// process is using the data directory". Here real `shoal status` processes keep running, two at a
// time, while a real `shoal run` starts on the same data directory: it starts every time, and every
// status prints the folder, from the data directory or from the daemon.

const ROUNDS = 3

let root: string
let env: NodeJS.ProcessEnv
let boot: ShoalProcess
let bootstrap: string

beforeAll(async () => {
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'shoal-cli-lock-'))
  env = cleanEnv(path.join(root, 'unused'))
  const port = await freeUdpPort()
  boot = startShoal(['bootstrap', '--host', '127.0.0.1', '--port', String(port)], env)
  await boot.waitFor(/Bootstrap node listening on 127\.0\.0\.1:\d+/)
  bootstrap = `127.0.0.1:${port}`
})

afterAll(async () => {
  await boot?.stop()
  if (root) await fsp.rm(root, { recursive: true, force: true })
})

/** Runs `shoal status` over and over, `parallel` at a time, until stop() resolves with every result. */
function statusLoop(dataDir: string, parallel: number) {
  const runs: ShoalRun[] = []
  let stopping = false
  const loop = async () => {
    while (!stopping) runs.push(await runShoal(['status', '--data', dataDir], { env }))
  }
  const loops = Array.from({ length: parallel }, loop)
  return {
    runs,
    stop: async () => {
      stopping = true
      await Promise.all(loops)
      return runs
    }
  }
}

/** Resolves once `check` holds, polling the loop's results (each status takes about a second). */
async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('read-only commands beside a starting daemon (real processes)', () => {
  it(`shoal run starts every time while shoal status runs beside it, and every status prints the folder (${ROUNDS} rounds)`, async () => {
    const dataDir = path.join(root, 'data')
    const photos = path.join(root, 'Photos')
    await writeFiles(photos, { 'beach.jpg': 'sand\n' })
    const shared = await runShoal(['share', photos, '--data', dataDir], { env })
    expect(shared.code, shared.stderr).toBe(0)

    for (let round = 1; round <= ROUNDS; round++) {
      const loop = statusLoop(dataDir, 2)
      let daemon: Awaited<ReturnType<typeof startDaemon>> | null = null
      try {
        // Status processes are opening and closing the data directory when the daemon starts.
        await until('a first status without the daemon', () => loop.runs.length >= 1)
        daemon = await startDaemon({ name: `round ${round}`, dataDir, bootstrap, env })
        const before = loop.runs.length
        await until('two statuses answered by the daemon', () => loop.runs.slice(before).filter((r) => /Shoal {3}running/.test(r.stdout)).length >= 2)
      } finally {
        await loop.stop()
        if (daemon) expect(await daemon.proc.stop(), daemon.proc.output()).toBe(0)
      }
      for (const r of loop.runs) {
        expect(r.code, `status exited ${r.code} in round ${round}:\n${r.stderr}`).toBe(0)
        expect(r.stdout).toMatch(/Shoal {3}(running, 0 devices connected|not running for )/)
        expect(r.stdout).toMatch(new RegExp(`Photos\\s+Shared\\s+.+?\\s+\\d+\\s+1\\s+5 B\\s.*${photos.replace(/[/\\]/g, '.')}`))
      }
      expect(loop.runs.some((r) => /Shoal {3}running/.test(r.stdout))).toBe(true)
    }
  }, 240_000)

  it('shoal run waits for a command that holds the data directory, says so, and starts once it lets go', async () => {
    const dataDir = path.join(root, 'held')
    // Another Shoal process holding the lock for longer than a status: the engine, opened by this test.
    const holder = new Engine({ dataDir, network: false })
    await holder.ready()
    let daemon: Awaited<ReturnType<typeof startDaemon>> | null = null
    let waiting: ShoalProcess | null = null
    try {
      const starting = startDaemon({ name: 'waiting', dataDir, bootstrap, env, onStart: (proc) => (waiting = proc) })
      starting.catch(() => {}) // awaited below
      await waiting!.waitFor(/Waiting for another Shoal process to finish with /)
      // Meanwhile a status goes through the daemon that is starting rather than failing.
      const status = runShoal(['status', '--data', dataDir], { env })
      await holder.close()
      daemon = await starting
      const printed = await status
      expect(printed.code, printed.stderr).toBe(0)
      expect(printed.stdout).toMatch(/Shoal {3}running, 0 devices connected/)
    } finally {
      await holder.close()
      if (daemon) expect(await daemon.proc.stop(), daemon.proc.output()).toBe(0)
      else await (waiting as ShoalProcess | null)?.stop()
    }
  })
})
