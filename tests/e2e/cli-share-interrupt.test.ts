import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { treeHashes, waitFor } from '../helpers/files.ts'
import { cleanEnv, runShoal, startDaemon, startNetwork, startShoal, type Daemon, type ShoalNetwork } from './helpers/shoal-process.ts'

// Ctrl-C in the middle of `shoal share <big folder>`, without a daemon and with one: the next
// `shoal share` of the same folder finishes that share and prints its link, and a second device
// that joins with it gets every file. Real processes on a loopback DHT; the signal is sent once the
// share has printed a progress line with some files done, not after a sleep. A share goes out in
// versions of at most 5,000 files (commit-batches.ts), and its progress moves once per version:
// the folders are big enough that a version is still to come after the line the test waits for.

const VERSION_FILES = 5000
let root: string
let net: ShoalNetwork
let rec: Daemon

/** A folder of `files` small files, 1,000 to a subfolder. */
async function bigFolder(name: string, files: number): Promise<string> {
  const dir = path.join(root, name)
  for (let d = 0; d < files / 1000; d++) {
    await fs.mkdir(path.join(dir, `d${d}`), { recursive: true })
    await Promise.all(Array.from({ length: 1000 }, (_, i) => fs.writeFile(path.join(dir, `d${d}`, `f${i}.txt`), `${name} ${d}/${i}\n`.repeat(1 + (i % 7)))))
  }
  return dir
}

/**
 * Starts `shoal share dir`, sends SIGINT once a progress line says `atLeast` files are done and
 * `before` or more are still to come; returns how it exited and what it printed.
 */
async function shareAndInterrupt(dir: string, dataDir: string, opts: { atLeast: number; before: number }): Promise<{ code: number | null; output: string }> {
  const proc = startShoal(['share', dir, '--data', dataDir], net.env)
  net.track(proc)
  const partway = new RegExp(`Scanning ${path.basename(dir)}\\s+\\[[#-]+\\]\\s+\\d+%\\s+(\\d+)/(\\d+) files`, 'g')
  await waitFor('a progress line partway through the share', () => [...proc.output().matchAll(partway)].some((m) => Number(m[1]) >= opts.atLeast && Number(m[2]) - Number(m[1]) >= opts.before), 120_000)
  const code = await proc.stop()
  return { code, output: proc.output() }
}

/** `shoal share dir` again: exits 0 and prints the link. */
async function shareAgain(dir: string, dataDir: string): Promise<string> {
  const r = await runShoal(['share', dir, '--data', dataDir], { env: net.env })
  expect(r.code, r.stderr).toBe(0)
  expect(r.stdout.trimEnd()).toMatch(new RegExp(`^Sharing ${dir}\\nshoal://\\S+$`))
  return r.stdout.split('\n')[1]
}

/** The receiver joins `link` into a new folder and waits until it is up to date: every file there. */
async function expectJoinGetsAll(link: string, src: string, name: string): Promise<void> {
  const dst = path.join(root, name)
  const r = await runShoal(['join', link, dst, '--data', rec.dataDir], { env: net.env })
  expect(r.code, r.stderr).toBe(0)
  expect(r.stdout).toMatch(new RegExp(`^Up to date: ${dst} \\(version \\d+, ${Object.keys(await treeHashes(src)).length.toLocaleString('en-US')} files`))
  expect(await treeHashes(dst)).toEqual(await treeHashes(src))
}

/** The folders `shoal status` lists for a data directory. */
async function shared(dataDir: string): Promise<string[]> {
  const r = await runShoal(['status', '--json', '--data', dataDir], { env: net.env })
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout).folders.map((f: { path: string }) => f.path)
}

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-e2e-share-int-')))
  net = await startNetwork(root, ['pub', 'rec'])
  rec = net.daemons[1]
}, 120_000)

afterAll(async () => {
  await net?.stop()
  await fs.rm(root, { recursive: true, force: true })
})

describe('Ctrl-C during shoal share', { timeout: 300_000 }, () => {
  it('without a daemon: sharing again finishes the share, prints the link, and a joiner gets every file', async () => {
    // Without a daemon the share's own process does the work, and it sees the signal between two
    // versions: one more version's worth of files must be left when the line shows.
    const src = await bigFolder('alone', 2 * VERSION_FILES + 2000)
    const solo = path.join(root, 'solo')
    const stopped = await shareAndInterrupt(src, solo, { atLeast: 1, before: VERSION_FILES + 1 })
    expect(stopped.code).toBe(130)
    expect(stopped.output).toContain(`Stopped: ${src} is not completely shared yet. 'shoal share ${src}' again finishes it and prints the link.`)
    expect(stopped.output).not.toMatch(/^shoal:\/\//m)
    expect(await shared(solo)).toEqual([src])

    const link = await shareAgain(src, solo)
    expect(await shared(solo)).toEqual([src]) // the same share, not a second one
    // Its link is the one a daemon on that data directory serves.
    const daemon = await startDaemon({ name: 'solo', dataDir: solo, bootstrap: net.bootstrap, env: cleanEnv(path.join(root, 'unused')), onStart: (p) => net.track(p) })
    await expectJoinGetsAll(link, src, 'alone-copy')
    await daemon.proc.stop()
  })

  it('with a daemon: sharing again waits for the share, prints the link, and a joiner gets every file', async () => {
    const pub = net.daemons[0]
    const src = await bigFolder('served', VERSION_FILES + 2000)
    const stopped = await shareAndInterrupt(src, pub.dataDir, { atLeast: 1, before: 1 })
    expect(stopped.code).toBe(130)
    expect(stopped.output).toContain(`Stopped waiting; shoal run carries on sharing ${src}.`)
    const link = await shareAgain(src, pub.dataDir)
    expect(await shared(pub.dataDir)).toEqual([src])
    await expectJoinGetsAll(link, src, 'served-copy')
  })
})
