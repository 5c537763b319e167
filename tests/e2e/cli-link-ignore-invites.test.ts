import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { waitFor, writeFiles } from '../helpers/files.ts'
import { runShoal, startNetwork, type Daemon, type ShoalNetwork } from './helpers/shoal-process.ts'

// `shoal link`, `shoal ignore` and `shoal invites` as a user runs them against real daemons on a
// loopback DHT: a share's links any time later, the link a joined folder follows, a receiver's
// ignore pattern keeping a file of the next version off its disk, and a two-way folder's invites.

let root: string
let net: ShoalNetwork
let pub: Daemon
let rec: Daemon

const shoal = (d: Daemon, args: string[]) => runShoal([...args, '--data', d.dataDir], { env: net.env })

async function ok(d: Daemon, args: string[]): Promise<string> {
  const r = await shoal(d, args)
  expect(r.code, `shoal ${args.join(' ')}: ${r.stderr}`).toBe(0)
  return r.stdout
}

const exists = (p: string) => fs.access(p).then(() => true, () => false)

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-e2e-link-')))
  net = await startNetwork(root, ['pub', 'rec'])
  ;[pub, rec] = net.daemons
}, 120_000)

afterAll(async () => {
  await net?.stop()
  await fs.rm(root, { recursive: true, force: true })
})

describe('shoal link, ignore and invites', { timeout: 180_000 }, () => {
  it('link prints a share link and seed link later, and the link a joined folder follows', async () => {
    const secret = path.join(root, 'secret')
    await writeFiles(secret, { 'a.txt': 'a\n' })
    const shared = await ok(pub, ['share', secret, '--encrypt'])
    const [readLink, seedLink] = shared.match(/^shoal:\/\/\S+$/gm)!
    expect(await ok(pub, ['link', secret])).toBe(
      `Share link (carries the read key: give it only to those who may read ${secret}):\n${readLink}\nSeed link (for seeding servers: they can keep and serve the folder, not read it):\n${seedLink}\n`
    )
    expect(JSON.parse(await ok(pub, ['link', 'secret', '--json']))).toEqual({ path: secret, kind: 'publish', link: readLink, seedLink })

    const open = path.join(root, 'open')
    await writeFiles(open, { 'b.txt': 'b\n' })
    const openLink = (await ok(pub, ['share', open])).match(/^shoal:\/\/\S+$/m)![0]
    expect(await ok(pub, ['link', open])).toBe(`Share link of ${open}:\n${openLink}\n`)

    const copy = path.join(root, 'secret-copy')
    await ok(rec, ['join', readLink, copy])
    expect(await ok(rec, ['link', copy])).toBe(`${copy} follows:\n${readLink}\n`)

    const unknown = await shoal(pub, ['link', path.join(root, 'nowhere')])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/^shoal: No shared or followed folder matches/)
  })

  it("ignore on a joined folder keeps matching files of the publisher's next version off this disk", async () => {
    const src = path.join(root, 'reports')
    await writeFiles(src, { 'q1.txt': 'q1\n' })
    const link = (await ok(pub, ['share', src])).match(/^shoal:\/\/\S+$/m)![0]
    const dst = path.join(root, 'reports-copy')
    await ok(rec, ['join', link, dst])

    expect(await ok(rec, ['ignore', dst, '--add', '*.log', '--add', 'tmp/'])).toBe('Added: *.log\nAdded: tmp/\n')
    expect(await ok(rec, ['ignore', dst, '--list'])).toMatch(/^\*\.log\ntmp\/\nAlways ignored: /)
    const missing = await shoal(rec, ['ignore', dst, '--remove', 'nope'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('Not a pattern of this folder: nope')

    await writeFiles(src, { 'q2.txt': 'q2\n', 'debug.log': 'noise\n', 'tmp/scratch.txt': 'x\n' })
    await ok(pub, ['rescan', src])
    await waitFor('q2.txt on the receiver', () => exists(path.join(dst, 'q2.txt')))
    const status = JSON.parse(await ok(rec, ['status', '--json'])).folders.find((f: { path: string }) => f.path === dst)
    const published = JSON.parse(await ok(pub, ['status', '--json'])).folders.find((f: { path: string }) => f.path === src)
    expect(status.version).toBe(published.version) // the whole version is applied, and still:
    expect(await exists(path.join(dst, 'debug.log'))).toBe(false)
    expect(await exists(path.join(dst, 'tmp'))).toBe(false)

    // Removing the pattern lets the file come.
    expect(await ok(rec, ['ignore', dst, '--remove', '*.log'])).toBe('Removed: *.log\n')
    await waitFor('debug.log on the receiver once no longer ignored', () => exists(path.join(dst, 'debug.log')))
    expect(JSON.parse(await ok(rec, ['ignore', dst, '--json'])).patterns).toEqual(['tmp/'])
  })

  it("invites lists a two-way folder's working invites; link points a two-way folder to invites", async () => {
    const notes = path.join(root, 'notes')
    await writeFiles(notes, { 'n.md': 'n\n' })
    await ok(pub, ['sync', notes])
    const second = await ok(pub, ['invite', notes, '--expires', '2h'])
    const secondId = second.match(/^Invite id: ([0-9a-f]{64})/m)![1]

    const listed = await ok(pub, ['invites', notes])
    const lines = listed.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^INVITE\s+MADE\s+WORKS UNTIL$/)
    expect(lines).toHaveLength(4)
    expect(lines[1]).toMatch(new RegExp(`^${secondId.slice(0, 12)}\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\(now\\)\\s+.* \\(in (2 h|1 h 59 min)\\)$`)) // newest first
    expect(lines[2]).toMatch(/\(in (24 h|23 h 59 min)\)$/)
    expect(lines[3]).toMatch(/^2 invites; each adds any number of devices until it expires/)

    await ok(pub, ['invite', '--revoke', secondId, notes])
    const after = JSON.parse(await ok(pub, ['invites', notes, '--json'])) as { id: string }[]
    expect(after).toHaveLength(1)
    expect(after[0].id).not.toBe(secondId)

    const link = await shoal(pub, ['link', notes])
    expect(link.code).toBe(2)
    expect(link.stderr).toContain(`shoal: ${notes} is a two-way folder: it has no share link. To add another of your devices, make an invite (shoal invite ${notes})`)
    const notTwoWay = await shoal(pub, ['invites', path.join(root, 'open')])
    expect(notTwoWay.code).toBe(2)
    expect(notTwoWay.stderr).toMatch(/is not a two-way folder/)
  })
})
