import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { waitFor, waitForSameTree } from '../helpers/files.ts'
import { apiCall } from './helpers/http.ts'
import { cleanEnv, runShoal, startNetwork, type Daemon, type ShoalNetwork } from './helpers/shoal-process.ts'
import type { FolderInfo, PeerInfo } from '../../shared/folder.ts'

// Bandwidth limits from the command line, as a user sets them: stored and shown by `shoal
// settings`, refused with a clear message when not a rate, and applied at once by a running
// `shoal run` (a transfer under a 1 MB/s download limit crawls, and speeds up when it is lifted).
// Real `shoal` processes on a private loopback DHT; the rate itself is measured in
// tests/integration/bandwidth-limits.test.ts.

const FILE = 8_000_000

let root: string
let net: ShoalNetwork
let A: Daemon
let B: Daemon

const shoal = (args: string[]) => runShoal(args, { cwd: root, env: cleanEnv(path.join(root, 'unused')) })

async function downloadedOnB(): Promise<number> {
  const res = await apiCall(B.port, 'peers.list', {}, { Authorization: `Bearer ${B.token}` })
  return (JSON.parse(res.body) as { result: PeerInfo[] }).result.reduce((sum, p) => sum + p.downloadedBytes, 0)
}

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-e2e-limits-')))
  net = await startNetwork(root, ['A', 'B'])
  ;[A, B] = net.daemons
}, 60_000)

afterAll(async () => {
  await net?.stop()
  if (root) await fs.rm(root, { recursive: true, force: true })
}, 30_000)

describe('shoal settings --upload-limit / --download-limit', () => {
  it('stores and shows the limits, and refuses a rate it cannot read', async () => {
    const data = path.join(root, 'offline')
    const set = await shoal(['settings', '--upload-limit', '2MB', '--download-limit', '500KB', '--data', data])
    expect(set.code, set.stderr).toBe(0)
    expect(set.stdout).toContain('Upload limit    1.9 MiB/s')
    expect(set.stdout).toContain('Download limit  488 KiB/s')
    const json = JSON.parse((await shoal(['settings', '--json', '--data', data])).stdout) as { uploadLimit: number; downloadLimit: number }
    expect([json.uploadLimit, json.downloadLimit]).toEqual([2_000_000, 500_000])
    const off = await shoal(['settings', '--upload-limit', '0', '--data', data])
    expect(off.stdout).toContain('Upload limit    no limit')
    expect(off.stdout).toContain('Download limit  488 KiB/s')
    const bad = await shoal(['settings', '--download-limit', 'fast', '--data', data])
    expect([bad.code, bad.stderr.trim()]).toEqual([2, "shoal: settings: --download-limit must be a rate in bytes per second such as 2MB, 500KB or 0 (no limit), not 'fast'"])
  })

  it('applies a download limit at once on a running shoal, and lifting it mid-transfer lets the rest come fast', async () => {
    const src = path.join(root, 'on-a', 'Video')
    const dest = path.join(root, 'on-b', 'Video')
    await fs.mkdir(src, { recursive: true })
    await fs.writeFile(path.join(src, 'clip.bin'), randomBytes(FILE))
    const limit = await shoal(['settings', '--download-limit', '1MB', '--data', B.dataDir])
    expect(limit.code, limit.stderr).toBe(0)
    expect(limit.stdout).not.toContain('Restart') // nothing to restart for a limit
    const share = await shoal(['share', src, '--json', '--data', A.dataDir])
    expect(share.code, share.stderr).toBe(0)
    const join = await shoal(['join', (JSON.parse(share.stdout) as FolderInfo).link, dest, '--no-wait', '--data', B.dataDir])
    expect(join.code, join.stderr).toBe(0)

    await waitFor('the transfer to start', async () => (await downloadedOnB()) > 100_000)
    const start = { at: performance.now(), bytes: await downloadedOnB() }
    await waitFor('three seconds of transfer', () => performance.now() - start.at >= 3000, 10_000, 100)
    const rate = ((await downloadedOnB()) - start.bytes) / ((performance.now() - start.at) / 1000)
    expect(rate).toBeLessThan(1_200_000) // unlimited, 8 MB arrive on loopback in well under a second
    expect(rate).toBeGreaterThan(500_000)
    expect(await downloadedOnB()).toBeLessThan(FILE - 3_000_000)

    const lifted = performance.now()
    const lift = await shoal(['settings', '--download-limit', '0', '--data', B.dataDir])
    expect(lift.stdout).toContain('Download limit  no limit')
    await waitForSameTree(src, dest)
    // What was left (over 3 MB) would take 3 s more at 1 MB/s.
    expect(performance.now() - lifted).toBeLessThan(3000)
  })
})
