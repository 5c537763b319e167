import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { waitFor, writeFiles } from '../helpers/files.ts'
import { apiCall } from './helpers/http.ts'
import { cleanEnv, runShoal, startNetwork, type Daemon, type ShoalNetwork } from './helpers/shoal-process.ts'
import type { FolderInfo } from '../../shared/folder.ts'

// The mass-delete guard from the command line, as a user meets it: a publisher (A) deletes most of
// a folder, the receiver's (B) `shoal status` and `shoal run` log show the deletes held, and
// `shoal release --keep`, `shoal release` and `shoal guard --off` do what they say. Real `shoal`
// processes on a private loopback DHT.
//
// Each round deletes a folder on A while A's copy is paused: on resume one scan sees every delete,
// so they reach B as one version (a watcher could split a burst of deletes into several).

const SYNC_MS = 60_000 // the first loopback connection can stall ~15 s (STACK.md)

let root: string
let net: ShoalNetwork
let A: Daemon
let B: Daemon
let src: string
let dest: string
/** The folder's id on A and on B, once shared and joined. */
let folderA = ''
let folderB = ''

const shoal = (args: string[]) => runShoal(args, { cwd: root, env: cleanEnv(path.join(root, 'unused')) })

/** B's row of its folder, through its API (cheaper to poll than a `shoal status` process). */
async function rowOnB(): Promise<FolderInfo> {
  const res = await apiCall(B.port, 'folders.list', {}, { Authorization: `Bearer ${B.token}` })
  const row = (JSON.parse(res.body) as { result: FolderInfo[] }).result.find((f) => f.id === folderB)
  if (!row) throw new Error(`B has no folder ${folderB}: ${res.body}`)
  return row
}

/** Deletes a folder inside A's shared folder so that A publishes all of it in one version. */
async function deleteOnA(dir: string): Promise<void> {
  const auth = { Authorization: `Bearer ${A.token}` }
  expect((await apiCall(A.port, 'folders.pause', { folder: folderA }, auth)).status).toBe(200)
  await fs.rm(path.join(src, dir), { recursive: true })
  expect((await apiCall(A.port, 'folders.resume', { folder: folderA }, auth)).status).toBe(200)
}

async function filesUnder(dir: string): Promise<number> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])
  return entries.filter((e) => e.isFile()).length
}

/** The STATE cell of a folder's row in `shoal status`. */
function stateIn(status: string, name: string): string | undefined {
  const line = status.split('\n').find((l) => l.startsWith(`${name} `))
  return line?.split(/\s{2,}/)[2]
}

const files = (prefix: string, n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}/f${String(i).padStart(3, '0')}.txt`, `${prefix} ${i}`]))

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-e2e-guard-')))
  src = path.join(root, 'on-a', 'Photos')
  dest = path.join(root, 'on-b', 'Photos')
  // 200 files: the three rounds below delete r1 (150), then r2 (40), then r3 (10).
  await writeFiles(src, { ...files('r1', 150), ...files('r2', 40), ...files('r3', 10) })
  net = await startNetwork(root, ['A', 'B'])
  ;[A, B] = net.daemons
}, 60_000)

afterAll(async () => {
  await net?.stop()
  if (root) await fs.rm(root, { recursive: true, force: true })
}, 30_000)

describe('shoal release and shoal guard', () => {
  it('shows the guard and refuses bad settings with a clear usage error', async () => {
    const share = await shoal(['share', src, '--json', '--data', A.dataDir])
    expect(share.code, share.stderr).toBe(0)
    const { id, link } = JSON.parse(share.stdout) as FolderInfo
    folderA = id

    const shown = await shoal(['guard', src, '--data', A.dataDir])
    const [off, both, zero, tooMuch, notANumber, noFolder] = await Promise.all([
      // The publisher's own guard is off: here it is the receiver that must hold.
      shoal(['guard', src, '--off', '--data', A.dataDir]).then(async (r) => ({ ...r, after: await shoal(['guard', src, '--data', A.dataDir]) })),
      shoal(['guard', src, '--on', '--off', '--data', A.dataDir]),
      shoal(['guard', src, '--percent', '0', '--data', A.dataDir]),
      shoal(['guard', src, '--percent', '150', '--data', A.dataDir]),
      shoal(['guard', src, '--min-files', 'many', '--data', A.dataDir]),
      shoal(['release', '--data', A.dataDir])
    ])
    expect(shown.code, shown.stderr).toBe(0)
    expect(shown.stdout.trim()).toBe(`Mass-delete guard of ${src}: on: holds a change that deletes more than 50% of the files and more than 100 files.`)
    expect(off.code, off.stderr).toBe(0)
    expect(off.stdout.trim()).toBe(`Mass-delete guard of ${src}: off: every delete is applied at once.`)
    expect(off.after.stdout.trim()).toBe(off.stdout.trim())
    expect([both.code, both.stderr.trim()]).toEqual([2, 'shoal: guard: give --on or --off, not both'])
    expect([zero.code, zero.stderr.trim()]).toEqual([2, "shoal: guard: --percent must be a whole number from 1 to 100, not '0'"])
    expect([tooMuch.code, tooMuch.stderr.trim()]).toEqual([2, "shoal: guard: --percent must be a whole number from 1 to 100, not '150'"])
    expect([notANumber.code, notANumber.stderr.trim()]).toEqual([2, "shoal: guard: --min-files must be a whole number, not 'many'"])
    expect([noFolder.code, noFolder.stderr.trim()]).toEqual([2, 'shoal: release: missing <folder> (see shoal release --help)'])

    const join = await shoal(['join', link, dest, '--json', '--data', B.dataDir])
    expect(join.code, join.stderr).toBe(0)
    const joined = JSON.parse(join.stdout) as FolderInfo
    expect([joined.state, joined.files]).toEqual(['idle', 200])
    folderB = joined.id
  }, SYNC_MS + 30_000)

  it('holds a mass delete from the publisher: status and the run log say so; --keep keeps the files', async () => {
    await deleteOnA('r1')
    await waitFor('B holds the deletes', async () => (await rowOnB()).state === 'held', SYNC_MS, 100)

    const status = await shoal(['status', '--data', B.dataDir])
    expect(status.code, status.stderr).toBe(0)
    expect(stateIn(status.stdout, 'Photos')).toBe('Deletes held')
    expect(status.stdout).toContain('Photos: Deletes held: 150 of 200 files are deleted by the publisher. Everything else is synced; apply the deletes or keep the files (shoal release).')
    await B.proc.waitFor(/\[Photos\] deletes held: 150 of 200 files are deleted by the publisher\./)
    // Nothing was deleted on B.
    expect(await filesUnder(dest)).toBe(200)

    const guard = await shoal(['guard', 'Photos', '--data', B.dataDir])
    expect(guard.stdout).toContain('Deletes held: 150 of 200 files')

    const keep = await shoal(['release', dest, '--keep', '--data', B.dataDir])
    expect(keep.code, keep.stderr).toBe(0)
    expect(keep.stdout.trim()).toBe(`Kept 150 files in ${dest} as files of this device only: Shoal no longer changes or deletes them.`)
    expect(await filesUnder(dest)).toBe(200)
    const row = await rowOnB()
    expect([row.state, row.held, row.files]).toEqual(['idle', undefined, 50])

    // Nothing held any more: said, and not an error.
    const again = await shoal(['release', dest, '--data', B.dataDir])
    expect([again.code, again.stdout.trim()]).toEqual([0, `Nothing is held in ${dest}: no deletes wait for you.`])
  }, SYNC_MS + 30_000)

  it('release applies held deletes, and guard --off lets the next mass delete through', async () => {
    // B's own limits: a change deleting more than half of its 50 files and more than 5 is held.
    const limits = await shoal(['guard', dest, '--min-files', '5', '--data', B.dataDir])
    expect(limits.stdout.trim()).toBe(`Mass-delete guard of ${dest}: on: holds a change that deletes more than 50% of the files and more than 5 files.`)

    await deleteOnA('r2')
    await waitFor('B holds the second deletes', async () => (await rowOnB()).held?.deletes === 40, SYNC_MS, 100)
    expect(await filesUnder(path.join(dest, 'r2'))).toBe(40)
    const apply = await shoal(['release', dest, '--data', B.dataDir])
    expect(apply.code, apply.stderr).toBe(0)
    expect(apply.stdout.trim()).toBe(`Deleted 40 files in ${dest}, as the publisher did.`)
    // Done when the command returns.
    expect(await filesUnder(path.join(dest, 'r2'))).toBe(0)
    expect(await filesUnder(path.join(dest, 'r1'))).toBe(150)
    expect((await rowOnB()).state).toBe('idle')

    const off = await shoal(['guard', dest, '--off', '--data', B.dataDir])
    expect(off.stdout.trim()).toBe(`Mass-delete guard of ${dest}: off: every delete is applied at once.`)
    // All 10 files B still follows: held with the guard on (more than half, more than 5).
    await deleteOnA('r3')
    await waitFor('the deletes applied on B', async () => (await filesUnder(path.join(dest, 'r3'))) === 0, SYNC_MS, 100)
    const row = await rowOnB()
    expect([row.state, row.held, row.files]).toEqual(['idle', undefined, 0])
    // B's log held twice in all: the first two rounds.
    expect(B.proc.output().match(/\] deletes held: /g)).toHaveLength(2)
  }, SYNC_MS + 30_000)
})
