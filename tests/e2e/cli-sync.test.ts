import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { exists, treeHashes, waitFor, waitForSameTree, writeFiles } from '../helpers/files.ts'
import { cleanEnv, runShoal, startNetwork, type Daemon, type ShoalNetwork } from './helpers/shoal-process.ts'

// Two-way sync across one person's devices, from the command line as a user runs it: a private DHT
// (`shoal bootstrap`) and three `shoal run` daemons on loopback (laptop, desktop, tablet), each with
// its own data directory; one-shot `shoal sync`, `shoal invite`, `shoal devices` and
// `shoal remove-device` go through them. Real processes, real files.

let root: string
let net: ShoalNetwork
let laptop: Daemon
let desktop: Daemon
let tablet: Daemon
let onLaptop: string
let onDesktop: string
let onTablet: string

/** Runs `shoal <args> --data <data dir>` to completion (killed after the deadline). */
const shoalIn = (dataDir: string, args: string[]) => runShoal([...args, '--data', dataDir], { env: cleanEnv(path.join(root, 'unused')) })

/** `shoal <args>` on a device (through its daemon). */
const shoal = (d: Daemon, args: string[]) => shoalIn(d.dataDir, args)

async function json<T>(d: Daemon, args: string[]): Promise<T> {
  const r = await shoal(d, [...args, '--json'])
  if (r.code !== 0) throw new Error(`shoal ${args.join(' ')} exited ${r.code}: ${r.stderr}`)
  return JSON.parse(r.stdout) as T
}

interface Device {
  id: string
  name: string
  self: boolean
  connected: boolean
  removed: boolean
  indexer: boolean
}

const read = (p: string) => fs.readFile(p, 'utf8')

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-e2e-sync-'))
  // Device names are settings of each data directory, set before the daemons start.
  const names = ['laptop', 'desktop', 'tablet']
  await Promise.all(
    names.map(async (name) => {
      const r = await shoalIn(path.join(root, name), ['settings', '--device-name', name])
      if (r.code !== 0) throw new Error(`settings for ${name}: ${r.stderr}`)
    })
  )
  net = await startNetwork(root, names)
  ;[laptop, desktop, tablet] = net.daemons
  onLaptop = path.join(root, 'notes-laptop')
  onDesktop = path.join(root, 'notes-desktop')
  onTablet = path.join(root, 'notes-tablet')
}, 120_000) // four processes start; a busy machine makes that slow

afterAll(async () => {
  await net?.stop()
  if (root) await fs.rm(root, { recursive: true, force: true })
}, 60_000)

// Each wait has its own 60 s deadline; a test makes several, and a busy machine slows every command.
describe('shoal sync: two-way across my own devices', { timeout: 180_000 }, () => {
  it('sync on the laptop prints an invite; the desktop joins and is up to date when the command returns', async () => {
    await writeFiles(onLaptop, {
      'todo.txt': 'buy milk\n',
      'plans/trip.md': '# Trip\n'.repeat(200),
      'photos/cat.bin': Buffer.alloc(400_000, 9)
    })
    const sync = await shoal(laptop, ['sync', onLaptop, '--name', 'notes'])
    expect(sync.code, sync.stderr).toBe(0)
    expect(sync.stdout).toMatch(/^Syncing .*notes-laptop two-way as 'notes' \(3 files/)
    expect(sync.stdout).toMatch(/Invite code, valid for 24 h \(until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\):/)
    // The code stands alone on its line, ready to copy; the next step names it.
    const invite = sync.stdout.match(/^ {2}([a-z0-9]{40,})$/m)![1]
    expect(sync.stdout).toContain(`On the other device: shoal sync --invite ${invite} <folder>`)
    expect(sync.stderr).toMatch(/Keep 'shoal run' running here/)
    const again = await shoal(laptop, ['sync', onLaptop])
    expect(again.code).toBe(2)
    expect(again.stderr).toMatch(/already in two-way sync; for another invite: shoal invite /)

    const join = await shoal(desktop, ['sync', '--invite', invite, onDesktop])
    expect(join.code, join.stderr).toBe(0)
    expect(join.stdout).toMatch(/^Up to date: .*notes-desktop \(3 files, .*\), in two-way sync/)
    // Not a TTY: progress, if any, is plain lines on stderr.
    expect(join.stderr).not.toMatch(/\r/)
    // "Up to date" means the files are there now, without polling.
    expect(await treeHashes(onDesktop)).toEqual(await treeHashes(onLaptop))

    const status = await json<{ folders: Array<{ kind: string; state: string; path: string; name: string }> }>(desktop, ['status'])
    expect(status.folders).toEqual([expect.objectContaining({ kind: 'two-way', path: onDesktop, name: 'notes-desktop' })])
    const text = await shoal(laptop, ['status'])
    expect(text.stdout).toMatch(/^notes\s+Two-way\s+(Up to date|Syncing)\s+\d+\s+3\s+/m)
  })

  it('edits, new files and deletes go both ways', async () => {
    await fs.writeFile(path.join(onDesktop, 'todo.txt'), 'buy milk\nand bread (desktop)\n')
    await waitFor('the desktop edit on the laptop', async () => (await read(path.join(onLaptop, 'todo.txt'))) === 'buy milk\nand bread (desktop)\n')
    await writeFiles(onDesktop, { 'plans/packing.txt': 'socks\n' })
    await fs.rm(path.join(onLaptop, 'photos', 'cat.bin'))
    await waitFor('the laptop delete on the desktop', async () => !(await exists(path.join(onDesktop, 'photos', 'cat.bin'))))
    await waitForSameTree(onLaptop, onDesktop)
    expect(await read(path.join(onLaptop, 'plans', 'packing.txt'))).toBe('socks\n')
    // shoal run's log tells who did what, in words.
    await laptop.proc.waitFor(/\[notes\] changed \/todo\.txt, received from desktop/)
    await desktop.proc.waitFor(/\[notes-desktop\] deleted \/photos\/cat\.bin, received/)
    expect(desktop.proc.output()).toMatch(/\[notes-desktop\] waiting for a device of this folder to accept the invite/)
  })

  it('devices lists both devices on each side', async () => {
    const list = await shoal(laptop, ['devices', 'notes'])
    expect(list.code, list.stderr).toBe(0)
    // By name only: no key where names do not clash.
    expect(list.stdout).toMatch(/^DEVICE\s+STATUS\s+LAST SEEN\s+CHANGES\s+CONTENT HERE$/m)
    expect(list.stdout).toMatch(/^laptop\s+this device, indexer\s+-\s+\d+\s+all \(\d+ blocks\)$/m)
    await waitFor('the desktop shown connected', async () => /^desktop\s+connected\s+now\s+\d+/m.test((await shoal(laptop, ['devices', 'notes'])).stdout))
    // The same device, the same name, in the peer list and shoal status: and the two-way folder is listed with it.
    await waitFor('the desktop named in shoal peers with the folder', async () => /^desktop\s+connected\s+notes\s+127\.0\.0\.1:\d+/m.test((await shoal(laptop, ['peers'])).stdout))
    const status = await shoal(laptop, ['status'])
    expect(status.stdout).toMatch(/^Device {2}laptop$/m)
    expect(status.stdout).toMatch(/^Shoal {3}running, 1 device connected: desktop$/m)
    const fromDesktop = await json<Device[]>(desktop, ['devices', onDesktop])
    expect(fromDesktop.map((d) => [d.name, d.self, d.indexer, d.removed]).sort()).toEqual([
      ['desktop', true, false, false],
      ['laptop', false, true, false]
    ])
  })

  it('a malformed, expired or revoked invite: exit 2 with the reason, and no folder', async () => {
    const [bad, short, revokedInvite] = await Promise.all([
      shoal(tablet, ['sync', '--invite', 'not-an-invite', onTablet]),
      json<{ invite: string; expires: number }>(laptop, ['invite', 'notes', '--expires', '1s']),
      json<{ invite: string; id: string }>(laptop, ['invite', 'notes'])
    ])
    expect(bad.code).toBe(2)
    expect(bad.stderr.trim()).toMatch(/^shoal: Not a valid invite code: /)
    expect(bad.stderr.trim().split('\n')).toHaveLength(1)
    expect(await exists(onTablet)).toBe(false)

    const [revoke, expired] = await Promise.all([
      shoal(laptop, ['invite', '--revoke', revokedInvite.id, 'notes']),
      new Promise((r) => setTimeout(r, Math.max(0, short.expires - Date.now() + 100))).then(() => shoal(tablet, ['sync', '--invite', short.invite, onTablet]))
    ])
    expect(expired.code).toBe(2)
    expect(expired.stderr).toMatch(/^shoal: This invite expired on /)
    expect(revoke.code, revoke.stderr).toBe(0)
    expect(revoke.stdout).toMatch(/^Revoked invite [0-9a-f]{12}/)
    const refused = await shoal(tablet, ['sync', '--invite', revokedInvite.invite, onTablet, '--timeout', '45s'])
    expect(refused.code, refused.stdout + refused.stderr).toBe(2)
    // In words, not blind-pairing's code (PAIRING_REJECTED).
    expect(refused.stderr).toMatch(/^shoal: The invite was refused by the folder's devices: it was revoked, or this device was removed from the folder\. Ask/m)
    expect(refused.stderr).not.toMatch(/PAIRING_REJECTED/)
    await laptop.proc.waitFor(/\[notes\] warning: Refused a device that used a revoked invite/)
    const [tabletStatus, devices] = await Promise.all([json<{ folders: unknown[] }>(tablet, ['status']), json<Device[]>(laptop, ['devices', 'notes'])])
    expect(tabletStatus.folders).toEqual([])
    expect(devices.map((d) => d.name).sort()).toEqual(['desktop', 'laptop'])
  })

  it('a third device joins with a new invite and --no-wait', async () => {
    const out = await shoal(laptop, ['invite', 'notes', '--expires', '30m'])
    expect(out.code, out.stderr).toBe(0)
    expect(out.stdout).toMatch(/valid for 30 min/)
    const code = out.stdout.match(/^ {2}([a-z0-9]{40,})$/m)![1]
    const join = await shoal(tablet, ['sync', '--invite', code, onTablet, '--no-wait'])
    expect(join.code, join.stderr).toBe(0)
    expect(join.stdout).toMatch(/^Joined: .*notes-tablet is in two-way sync/)
    await waitForSameTree(onLaptop, onTablet)
    const devices = await json<Device[]>(laptop, ['devices', 'notes'])
    expect(devices.map((d) => d.name).sort()).toEqual(['desktop', 'laptop', 'tablet'])
  })

  it('remove-device: the removed desktop’s later edits reach no one; the others keep syncing', async () => {
    const removed = await shoal(laptop, ['remove-device', 'notes', 'desktop'])
    expect(removed.code, removed.stderr).toBe(0)
    expect(removed.stdout).toMatch(/^Removed desktop from notes: every device now ignores the changes it makes\./)
    const [listed, table, again, unknown] = await Promise.all([
      json<Device[]>(laptop, ['devices', 'notes']),
      shoal(laptop, ['devices', 'notes']),
      shoal(laptop, ['remove-device', 'notes', 'desktop']),
      shoal(laptop, ['remove-device', 'notes', 'phone'])
    ])
    expect(listed.find((d) => d.name === 'desktop')).toMatchObject({ removed: true })
    expect(table.stdout).toMatch(/^desktop\s+removed by laptop\s+-/m)
    // Removing it again says so and changes nothing.
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(/was already removed/)
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/^shoal: No device 'phone' in notes/)
    // The tablet has seen the removal before the desktop edits (it applies the same history).
    await waitFor('the tablet sees the desktop removed', async () => (await json<Device[]>(tablet, ['devices', onTablet])).some((d) => d.name === 'desktop' && d.removed))

    const before = await read(path.join(onLaptop, 'todo.txt'))
    await fs.writeFile(path.join(onDesktop, 'todo.txt'), 'edited on the removed desktop\n')
    await new Promise((r) => setTimeout(r, 1500)) // the desktop's watcher has seen it
    // A later edit on the laptop still reaches the tablet: replication goes on, without the desktop.
    await fs.writeFile(path.join(onLaptop, 'later.txt'), 'after the removal\n')
    await waitFor('the laptop edit on the tablet', async () => (await exists(path.join(onTablet, 'later.txt'))) && (await read(path.join(onTablet, 'later.txt'))) === 'after the removal\n')
    await waitFor('the laptop idle', async () => (await json<{ folders: Array<{ state: string }> }>(laptop, ['status'])).folders[0].state === 'idle')
    expect(await read(path.join(onLaptop, 'todo.txt'))).toBe(before)
    expect(await read(path.join(onTablet, 'todo.txt'))).toBe(before)
    // The desktop keeps its own edit (nothing overwrites it) and gets nothing new.
    expect(await read(path.join(onDesktop, 'todo.txt'))).toBe('edited on the removed desktop\n')
    expect(await exists(path.join(onDesktop, 'later.txt'))).toBe(false)

    // The desktop itself says so, and stops: its files stay.
    const said = /Removed from notes-desktop by laptop: this device no longer syncs it\. Its files stay in .*notes-desktop; to sync again, remove the folder here and join with a new invite\./
    await waitFor('the desktop says it was removed', async () => said.test((await shoal(desktop, ['status'])).stdout))
    expect((await shoal(desktop, ['status'])).stdout).toMatch(/^notes-desktop\s+Two-way\s+Stopped\s/m)
    await desktop.proc.waitFor(/\[notes-desktop\] stopped: Removed from notes-desktop by laptop/)
    expect(await read(path.join(onDesktop, 'plans', 'packing.txt'))).toBe('socks\n')

    // The tablet's peer list: the laptop connected, the desktop by name, whichever way it is now.
    const peers = await shoal(tablet, ['peers'])
    expect(peers.stdout).toMatch(/^DEVICE\s+STATUS\s+FOLDERS\s+ADDRESS\s+DOWNLOADED\s+UPLOADED$/m)
    expect(peers.stdout).toMatch(/^laptop\s+connected\s+notes-tablet\s/m)
    expect(peers.stdout).toMatch(/^desktop\s+(connected|last seen (just now|\d+ min ago))\s/m)
  })

  it('stops every process cleanly', async () => {
    const codes = await Promise.all(net.daemons.map((d) => d.proc.stop()))
    expect(codes).toEqual([0, 0, 0])
    for (const d of net.daemons) await expect(fs.stat(path.join(d.dataDir, 'daemon.json'))).rejects.toMatchObject({ code: 'ENOENT' })
  })
})
