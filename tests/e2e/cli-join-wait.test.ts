import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { writeFiles } from '../helpers/files.ts'
import { runShoal, startNetwork, startShoal, type ShoalNetwork } from './helpers/shoal-process.ts'

// A join whose folder no device shares right now (the publisher's Shoal is not running): `shoal
// join` says it is waiting for peers, and after a while why that may be and what to do; Ctrl-C
// stops the waiting, not the join.

let root: string
let net: ShoalNetwork

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-join-wait-'))
  net = await startNetwork(root, ['B'])
}, 120_000)

afterAll(async () => {
  await net?.stop()
  if (root) await fs.rm(root, { recursive: true, force: true })
}, 60_000)

describe('a join that waits for peers', () => {
  it('says it is waiting, then hints at the cause; Ctrl-C keeps the join', async () => {
    // Shared without a daemon on a data directory no Shoal runs on: a link nobody serves.
    const src = path.join(root, 'src')
    await writeFiles(src, { 'a.txt': 'a' })
    const share = await runShoal(['share', src, '--data', path.join(root, 'offline')], { env: net.env })
    expect(share.code, share.stderr).toBe(0)
    const link = share.stdout.trim().split('\n').find((l) => l.startsWith('shoal://'))!
    const B = net.daemons[0]
    const dst = path.join(root, 'dst')
    const join = startShoal(['join', link, dst, '--data', B.dataDir], { ...net.env, SHOAL_JOIN_HINT_MS: '1500' })
    net.track(join)
    await join.waitFor(/No device sharing this folder has been found in 2 s\. Is Shoal running on the device that shares it/)
    expect(join.output()).toMatch(/(looking for|waiting for) peers/)
    expect(await join.stop()).toBe(130)
    expect(join.output()).toContain(`Stopped waiting; shoal run keeps syncing ${dst} in the background.`)
    const status = JSON.parse((await runShoal(['status', '--json', '--data', B.dataDir], { env: net.env })).stdout) as { folders: Array<{ path: string; kind: string }> }
    expect(status.folders.map((f) => [f.path, f.kind])).toEqual([[dst, 'follow']])
  })
})
