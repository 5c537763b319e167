import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fsp from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { writeFiles } from '../helpers/files.ts'
import { runShoal, startNetwork, startShoal, type Daemon, type ShoalNetwork, type ShoalProcess } from './helpers/shoal-process.ts'

// `shoal status --watch` as a user meets it (issue 11): a real daemon, a real watcher whose output is
// piped (so it prints each new status block instead of redrawing a terminal), a folder shared from
// another command appearing in it, the daemon stopping, and Ctrl-C ending the watch with exit 0.

/** Below the test's deadline, so a wait that fails shows what the watcher printed. */
const WAIT_MS = 20_000

let root: string
let network: ShoalNetwork
let A: Daemon
let watcher: ShoalProcess | null = null

beforeAll(async () => {
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'shoal-status-watch-'))
  network = await startNetwork(root, ['A'])
  ;[A] = network.daemons
}, 90_000)

afterAll(async () => {
  await watcher?.stop()
  await network?.stop()
  if (root) await fsp.rm(root, { recursive: true, force: true })
})

/** The status blocks printed so far (each after its '--- time' line). */
const blocks = (out: string) => out.split(/^--- .+$/m).slice(1)

describe('shoal status --watch (real daemon, piped output)', () => {
  it('prints a new status when a folder is shared from another terminal and when the daemon stops, and exits 0 on Ctrl-C', async () => {
    watcher = startShoal(['status', '--watch', '--data', A.dataDir], network.env)
    await watcher.waitFor(/Shoal {3}running, 0 devices connected[\s\S]*No folders yet/, WAIT_MS)

    const trip = path.join(root, 'Trip')
    await writeFiles(trip, { 'notes.txt': 'packing list\n', 'map.txt': 'north\n' })
    const shared = await runShoal(['share', trip, '--data', A.dataDir], { env: network.env })
    expect(shared.code, shared.stderr).toBe(0)
    await watcher.waitFor(/Trip\s+Shared\s+Up to date\s+\d+\s+2\s+19 B\s/, WAIT_MS)

    // Nothing changes while nothing happens: the last block is not printed again and again.
    const shown = blocks(watcher.output()).length
    expect(await A.proc.stop()).toBe(0)
    await watcher.waitFor(/Shoal {3}not running for [^\n]+\n\nNAME[^\n]+\nTrip\s+Shared\s+Stopped/, WAIT_MS)
    expect(blocks(watcher.output()).length).toBeGreaterThan(shown)

    const out = watcher.output()
    expect(out).not.toMatch(/\x1b/) // eslint-disable-line no-control-regex -- piped: no screen clearing
    for (const block of blocks(out)) expect(block).toMatch(/^\nDevice {2}/)
    expect(await watcher.stop()).toBe(0)
  })
})
