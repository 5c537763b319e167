import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { exists, waitFor, waitForSameTree, writeFiles } from '../helpers/files.ts'
import { cleanEnv, runShoal, startNetwork, type Daemon, type ShoalNetwork } from './helpers/shoal-process.ts'
import type { DeletedFile, FolderInfo } from '../../shared/folder.ts'

// `shoal deleted` as a user runs it: a private DHT and two `shoal run` daemons (laptop, desktop) on
// loopback. A share on the laptop with files deleted and overwritten there, the same folder joined
// on the desktop, and a two-way folder where the desktop deletes a file the laptop then lists as
// deleted by the desktop and restores. Real processes, real files.

let root: string
let net: ShoalNetwork
let laptop: Daemon
let desktop: Daemon

const shoal = (d: Daemon, args: string[]) => runShoal([...args, '--data', d.dataDir], { env: cleanEnv(path.join(root, 'unused')) })

async function json<T>(d: Daemon, args: string[]): Promise<T> {
  const r = await shoal(d, [...args, '--json'])
  if (r.code !== 0) throw new Error(`shoal ${args.join(' ')} exited ${r.code}: ${r.stderr}`)
  return JSON.parse(r.stdout) as T
}

const deletedOn = (d: Daemon, folder: string) => json<DeletedFile[]>(d, ['deleted', folder])
const paths = (rows: DeletedFile[]) => rows.map((r) => r.path).sort()

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-e2e-deleted-')))
  await Promise.all(
    ['laptop', 'desktop'].map(async (name) => {
      const r = await runShoal(['settings', '--device-name', name, '--data', path.join(root, name)], { env: cleanEnv(path.join(root, 'unused')) })
      if (r.code !== 0) throw new Error(`settings for ${name}: ${r.stderr}`)
    })
  )
  net = await startNetwork(root, ['laptop', 'desktop'])
  ;[laptop, desktop] = net.daemons
}, 120_000)

afterAll(async () => {
  await net?.stop()
  if (root) await fs.rm(root, { recursive: true, force: true })
}, 60_000)

describe('shoal deleted', { timeout: 180_000 }, () => {
  let src: string
  let link: string

  it('on a share: lists deleted and overwritten files with the version that restores them; restore brings one back', async () => {
    src = path.join(root, 'Photos')
    await writeFiles(src, { 'a.txt': 'first a', 'b.txt': 'first b', 'keep.txt': 'kept' })
    const share = await json<FolderInfo>(laptop, ['share', src])
    link = share.link
    const empty = await shoal(laptop, ['deleted', src])
    expect([empty.code, empty.stdout.trim()]).toEqual([0, 'Nothing deleted or overwritten.'])

    await fs.rm(path.join(src, 'a.txt'))
    await fs.writeFile(path.join(src, 'b.txt'), 'second b, longer')
    await waitFor('both changes published', async () => paths(await deletedOn(laptop, src)).join() === '/a.txt,/b.txt')
    const rows = await deletedOn(laptop, src)
    const a = rows.find((r) => r.path === '/a.txt')!
    const b = rows.find((r) => r.path === '/b.txt')!
    expect(a).toMatchObject({ action: 'deleted', by: 'this device', restoreFrom: 1, size: 7, restorable: true })
    expect(b).toMatchObject({ action: 'overwritten', by: 'this device', restoreFrom: 1, size: 7, restorable: true })
    expect(a.version).toBeGreaterThan(1)
    expect(Math.abs(a.at! - Date.now())).toBeLessThan(120_000)

    const text = await shoal(laptop, ['deleted', src])
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toMatch(/^VERSION\s+WHAT\s+WHEN\s+BY\s+SIZE\s+RESTORE\s+PATH$/m)
    expect(text.stdout).toMatch(new RegExp(`^${a.version}\\s+deleted\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+this device\\s+7 B\\s+1\\s+/a\\.txt$`, 'm'))
    expect(text.stdout).toMatch(/^\d+\s+overwritten\s+.+\s+this device\s+7 B\s+1\s+\/b\.txt$/m)
    // The hint is a command that works as printed.
    const hint = text.stdout.match(/^Restore one: shoal restore (\S+) (\S+) --version (\d+)$/m)
    expect(hint?.slice(1)).toEqual([src, rows[0].path.slice(1), String(rows[0].restoreFrom)])

    const restored = await shoal(laptop, ['restore', src, 'a.txt', '--version', String(a.restoreFrom)])
    expect(restored.code, restored.stderr).toBe(0)
    expect(await fs.readFile(path.join(src, 'a.txt'), 'utf8')).toBe('first a')
    // Back in the folder, so no longer deleted; b.txt still is overwritten.
    await waitFor('a.txt no longer listed', async () => paths(await deletedOn(laptop, src)).join() === '/b.txt')
  })

  it('on a joined copy: the same files, deleted by the publisher; restore saves a copy where the user says', async () => {
    const dest = path.join(root, 'Photos-desktop')
    const join = await shoal(desktop, ['join', link, dest])
    expect(join.code, join.stderr).toBe(0)
    await waitForSameTree(src, dest)
    await fs.rm(path.join(src, 'keep.txt'))
    await waitFor('the delete reached the desktop', async () => !(await exists(path.join(dest, 'keep.txt'))))
    await waitFor('listed on the desktop', async () => paths(await deletedOn(desktop, dest)).join() === '/b.txt,/keep.txt')
    const rows = await deletedOn(desktop, dest)
    expect(rows.find((r) => r.path === '/keep.txt')).toMatchObject({ action: 'deleted', by: 'the publisher', restoreFrom: 1, restorable: true })
    const text = await shoal(desktop, ['deleted', dest])
    expect(text.stdout).toMatch(/^Restore one: shoal restore \S+ keep\.txt --version 1 --to FILE$/m)
    const to = path.join(root, 'kept-copy.txt')
    const saved = await shoal(desktop, ['restore', dest, 'keep.txt', '--version', '1', '--to', to])
    expect(saved.code, saved.stderr).toBe(0)
    expect(await fs.readFile(to, 'utf8')).toBe('kept')
  })

  it('after a prune, a file whose old content is gone says so instead of a version to restore', async () => {
    const set = await shoal(laptop, ['history', src, '--keep-days', '0'])
    expect(set.code, set.stderr).toBe(0)
    const prune = await shoal(laptop, ['prune', src])
    expect(prune.code, prune.stderr).toBe(0)
    const rows = await deletedOn(laptop, src)
    expect(rows.map((r) => [r.path, r.restorable])).toEqual([
      ['/keep.txt', false],
      ['/b.txt', false]
    ])
    expect(rows[0].reason).toMatch(/^No longer kept here: history before version \d+ was pruned on \d{4}-\d\d-\d\d \(see 'shoal history'\)$/)
    const text = await shoal(laptop, ['deleted', src])
    expect(text.stdout).toMatch(/^\d+\s+overwritten\s+.+\s+this device\s+7 B\s+pruned\s+\/b\.txt$/m)
    expect(text.stdout).toContain('/b.txt: No longer kept here: history before version')
    expect(text.stdout).not.toMatch(/^Restore one:/m)
    // What the list says is what restore finds.
    const tried = await shoal(laptop, ['restore', src, 'b.txt', '--version', '1', '--to', path.join(root, 'b-old.txt')])
    expect(tried.code).toBe(2)
    expect(tried.stderr).toMatch(/is no longer kept here: history before version \d+ was pruned/)
  })

  it('two-way: a delete on the desktop shows on the laptop as deleted by the desktop; a restore there brings it back everywhere', async () => {
    const onLaptop = path.join(root, 'notes-laptop')
    const onDesktop = path.join(root, 'notes-desktop')
    await writeFiles(onLaptop, { 'todo.txt': 'buy milk\n', 'plan.md': '# Plan\n' })
    const sync = await shoal(laptop, ['sync', onLaptop, '--name', 'notes'])
    expect(sync.code, sync.stderr).toBe(0)
    const invite = sync.stdout.match(/^ {2}([a-z0-9]{40,})$/m)![1]
    const join = await shoal(desktop, ['sync', '--invite', invite, onDesktop])
    expect(join.code, join.stderr).toBe(0)

    await fs.rm(path.join(onDesktop, 'todo.txt'))
    await waitFor('the delete reached the laptop', async () => !(await exists(path.join(onLaptop, 'todo.txt'))))
    await waitFor('listed on the laptop', async () => paths(await deletedOn(laptop, 'notes')).join() === '/todo.txt')
    const [onL] = await deletedOn(laptop, 'notes')
    expect(onL).toMatchObject({ action: 'deleted', by: 'desktop', size: 9, restorable: true })
    const [onD] = await deletedOn(desktop, onDesktop)
    expect(onD).toMatchObject({ path: '/todo.txt', by: 'this device', version: onL.version, restoreFrom: onL.restoreFrom })
    const text = await shoal(laptop, ['deleted', 'notes'])
    expect(text.stdout).toMatch(/^\d+\s+deleted\s+.+\s+desktop\s+9 B\s+\d+\s+\/todo\.txt$/m)
    expect(text.stdout).toContain(`Restore one: shoal restore notes todo.txt --version ${onL.restoreFrom}\n`)

    const restored = await shoal(laptop, ['restore', 'notes', 'todo.txt', '--version', String(onL.restoreFrom)])
    expect(restored.code, restored.stderr).toBe(0)
    await waitFor('back on the desktop', async () => (await exists(path.join(onDesktop, 'todo.txt'))) && (await fs.readFile(path.join(onDesktop, 'todo.txt'), 'utf8')) === 'buy milk\n')
    await waitFor('no longer listed on either', async () => (await deletedOn(laptop, 'notes')).length === 0 && (await deletedOn(desktop, onDesktop)).length === 0)
  })

  it('bad input: a folder that does not exist, a bad limit', async () => {
    const [missing, badLimit, tooMany] = await Promise.all([
      shoal(laptop, ['deleted', path.join(root, 'nowhere')]),
      shoal(laptop, ['deleted', src, '--limit', 'lots']),
      shoal(laptop, ['deleted', src, '--limit', '20000'])
    ])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/^shoal: .*nowhere/)
    expect([badLimit.code, badLimit.stderr.trim()]).toEqual([2, "shoal: deleted: --limit must be a whole number of at least 1, not 'lots'"])
    expect([tooMany.code, tooMany.stderr.trim()]).toEqual([2, 'shoal: deleted: --limit must be at most 10000, not 20000'])
  })
})
