import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { exists, waitFor, waitForSameTree, writeFiles } from '../helpers/files.ts'
import { apiCall } from './helpers/http.ts'
import { cleanEnv, runShoal, startNetwork, type Daemon, type ShoalNetwork } from './helpers/shoal-process.ts'
import type { FolderInfo } from '../../shared/folder.ts'
import type { Conflict, ResolveResult } from '../../shared/conflicts.ts'

// `shoal conflicts` and `shoal resolve` as a user runs them, against two real daemons (A and B,
// named alpha and beta) on a loopback DHT: a two-way conflict made by pausing B and editing on
// both, resolved on A and converged on B with no copy left and no new one; a receiver's own
// copies (keep the publisher's, keep mine, refused when a copy changed since it was listed); a
// conflict-named file in a shared folder kept as an ordinary file.

let root: string
let net: ShoalNetwork
let A: Daemon
let B: Daemon

const shoal = (d: Daemon, args: string[]) => runShoal([...args, '--data', d.dataDir], { env: cleanEnv(path.join(root, 'unused')) })

async function json<T>(d: Daemon, args: string[]): Promise<T> {
  const r = await shoal(d, [...args, '--json'])
  if (r.code !== 0) throw new Error(`shoal ${args.join(' ')} exited ${r.code}: ${r.stderr}`)
  return JSON.parse(r.stdout) as T
}

async function api<T>(d: Daemon, method: string, params: unknown): Promise<{ result?: T; error?: { code: string; message: string } }> {
  const res = await apiCall(d.port, method, params, { Authorization: `Bearer ${d.token}` })
  return JSON.parse(res.body) as { result?: T; error?: { code: string; message: string } }
}

async function folderOf(d: Daemon, folderPath: string): Promise<FolderInfo> {
  const f = (await api<FolderInfo[]>(d, 'folders.list', {})).result!.find((x) => x.path === folderPath)
  if (!f) throw new Error(`no folder at ${folderPath} on ${d.name}`)
  return f
}

const copiesIn = async (dir: string) => (await fs.readdir(dir)).filter((n) => /\.sync-conflict-\d{8}-\d{6}-/.test(n)).sort()
const read = (p: string) => fs.readFile(p, 'utf8')

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-e2e-conflicts-'))
  net = await startNetwork(root, ['a', 'b'])
  ;[A, B] = net.daemons
  expect((await shoal(A, ['settings', '--device-name', 'alpha'])).code).toBe(0)
  expect((await shoal(B, ['settings', '--device-name', 'beta'])).code).toBe(0)
}, 120_000)

afterAll(async () => {
  await net?.stop()
  if (root) await fs.rm(root, { recursive: true, force: true })
}, 60_000)

describe('conflicts, listed and resolved from the CLI', { timeout: 240_000 }, () => {
  const twA = () => path.join(root, 'tw-a')
  const twB = () => path.join(root, 'tw-b')
  const pub = () => path.join(root, 'pub')
  const recv = () => path.join(root, 'recv')

  it('two-way: a conflict resolved on one device ends with the kept content under the name on both, and no copies', async () => {
    await writeFiles(twA(), { 'note.txt': 'start\n', 'other.txt': 'x\n' })
    const sync = await shoal(A, ['sync', twA(), '--name', 'tw'])
    expect(sync.code, sync.stderr).toBe(0)
    const invite = sync.stdout.match(/^ {2}([a-z0-9]{40,})$/m)![1]
    const join = await shoal(B, ['sync', '--invite', invite, twB()])
    expect(join.code, join.stderr).toBe(0)
    await waitForSameTree(twA(), twB())
    // B paused: both edit the same file without seeing each other's edit.
    expect((await shoal(B, ['pause', twB()])).code).toBe(0)
    await fs.writeFile(path.join(twA(), 'note.txt'), 'edited on alpha\n')
    await fs.writeFile(path.join(twB(), 'note.txt'), 'edited on beta\nsecond line\n')
    await waitFor("A's edit in its view", async () => (await folderOf(A, twA())).state === 'idle' && (await folderOf(A, twA())).version > 1)
    expect((await shoal(B, ['resume', twB()])).code).toBe(0)
    await waitFor('a conflict copy on both', async () => (await copiesIn(twA())).length === 1 && (await copiesIn(twB())).length === 1, 90_000)
    await waitForSameTree(twA(), twB())

    const list = await json<Conflict[]>(A, ['conflicts', twA()])
    expect(list).toHaveLength(1)
    const [c] = list
    expect(c.path).toBe('note.txt')
    expect(c.original?.name).toBe('note.txt')
    expect(c.copies).toHaveLength(1)
    const copy = c.copies[0]
    // The loser's text and its device, as the view says.
    const loser = copy.text === 'edited on beta\nsecond line\n' ? 'beta' : 'alpha'
    expect(copy.device).toBe(loser)
    expect(c.original?.device).toBe(loser === 'beta' ? 'alpha' : 'beta')
    expect(copy.size).toBe(Buffer.byteLength(copy.text!))
    const human = await shoal(A, ['conflicts', twA()])
    expect(human.stdout).toContain(copy.name)
    expect(human.stdout).toMatch(/1 conflicted file, 1 copy\./)

    // Keep the copy (whichever device's edit lost), resolved on A.
    const kept = copy.text!
    const r = await shoal(A, ['resolve', twA(), 'note.txt', '--keep', copy.name])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(`Kept ${copy.name} as note.txt; removed 1 copy.`)
    expect(await read(path.join(twA(), 'note.txt'))).toBe(kept)
    expect(await copiesIn(twA())).toEqual([])
    await waitFor('B has the kept content under the name', async () => (await read(path.join(twB(), 'note.txt')).catch(() => '')) === kept && (await copiesIn(twB())).length === 0, 60_000)
    await waitFor('both count no conflict', async () => (await folderOf(A, twA())).conflicts === 0 && (await folderOf(B, twB())).conflicts === 0, 30_000)
    await waitFor('both idle', async () => (await folderOf(A, twA())).state === 'idle' && (await folderOf(B, twB())).state === 'idle', 30_000)
    await waitForSameTree(twA(), twB())
    // No new conflict came of it: nothing to list, on either device.
    expect(await copiesIn(twA())).toEqual([])
    expect(await copiesIn(twB())).toEqual([])
    expect((await shoal(B, ['conflicts', twB()])).stdout.trim()).toBe('No conflicts.')
  })

  it('a receiver lists its own copies; a copy changed since it was listed is refused and nothing changes', async () => {
    await writeFiles(pub(), { 'doc.txt': 'first\n', 'b.txt': 'b first\n' })
    const share = await json<{ link: string }>(A, ['share', pub()])
    expect((await shoal(B, ['join', share.link, recv()])).code).toBe(0)
    await waitForSameTree(pub(), recv())
    await fs.writeFile(path.join(recv(), 'doc.txt'), 'my edit on beta\n')
    await fs.writeFile(path.join(recv(), 'b.txt'), 'my b edit\n')
    await waitFor('B sees its local edits', async () => (await json<unknown[]>(B, ['changes', recv()])).length === 2)
    await writeFiles(pub(), { 'doc.txt': 'second, from alpha\n', 'b.txt': 'b second\n' })
    await waitFor('B keeps both edits as conflict copies', async () => (await copiesIn(recv())).length === 2, 60_000)

    const list = await json<Conflict[]>(B, ['conflicts', recv()])
    expect(list.map((c) => c.path)).toEqual(['b.txt', 'doc.txt'])
    const doc = list[1]
    expect(doc.original?.text).toBe('second, from alpha\n')
    expect(doc.copies[0].text).toBe('my edit on beta\n')
    expect(doc.copies[0].device).toBe('beta')

    // The user looked at the list, then the copy changed: resolving what they saw is refused.
    const seen = [doc.original!, ...doc.copies].map((v) => ({ name: v.name, hash: v.hash }))
    const copyPath = path.join(recv(), doc.copies[0].path)
    await fs.writeFile(copyPath, 'changed after listing\n')
    const refused = await api<ResolveResult>(B, 'conflicts.resolve', { folder: recv(), path: 'doc.txt', keep: 'original', seen })
    expect(refused.error?.code).toBe('BAD_REQUEST')
    expect(refused.error?.message).toContain(`${doc.copies[0].name} changed since the conflicts were listed; nothing was changed`)
    expect(await read(copyPath)).toBe('changed after listing\n')
    expect(await read(path.join(recv(), 'doc.txt'))).toBe('second, from alpha\n')
    expect(await copiesIn(recv())).toHaveLength(2)

    // Bad choices say what the choices are.
    const bad = await shoal(B, ['resolve', recv(), 'doc.txt', '--keep', 'nonsense.txt'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain(`nonsense.txt is not a copy of doc.txt; keep 'original', 'both' or one of: ${doc.copies[0].name}`)
    const none = await shoal(B, ['resolve', recv(), 'nothing.txt', '--keep', 'original'])
    expect(none.code).not.toBe(0)
    expect(none.stderr).toContain("nothing.txt has no conflict copies in")
    const noKeep = await shoal(B, ['resolve', recv(), 'doc.txt'])
    expect(noKeep.code).toBe(2)
    expect(noKeep.stderr).toContain('--keep is required')
  })

  it("a receiver keeps the publisher's version: its copy leaves the folder and is kept in the data directory", async () => {
    const r = await json<ResolveResult>(B, ['resolve', recv(), 'doc.txt', '--keep', 'original'])
    expect(r.removed).toHaveLength(1)
    expect(r.setAside).toBeTruthy()
    expect(r.setAside!.startsWith(B.dataDir)).toBe(true)
    expect(await read(path.join(r.setAside!, r.removed[0]))).toBe('changed after listing\n')
    expect(await read(path.join(recv(), 'doc.txt'))).toBe('second, from alpha\n')
    await waitFor('one conflict counted on B', async () => (await folderOf(B, recv())).conflicts === 1)
  })

  it('a receiver keeps its own copy: it is under the name again, as a local change', async () => {
    const [b] = await json<Conflict[]>(B, ['conflicts', recv()])
    const r = await shoal(B, ['resolve', recv(), 'b.txt', '--keep', b.copies[0].name])
    expect(r.code, r.stderr).toBe(0)
    expect(await read(path.join(recv(), 'b.txt'))).toBe('my b edit\n')
    expect(await copiesIn(recv())).toEqual([])
    expect(r.stdout).not.toContain('not kept are in') // the kept copy needs no keeping aside
    await waitFor('no conflict counted on B', async () => (await folderOf(B, recv())).conflicts === 0)
    const changes = await json<Array<{ path: string; kind: string }>>(B, ['changes', recv()])
    expect(changes).toEqual([{ path: '/b.txt', kind: 'changed' }])
  })

  it('a shared folder: keep both turns a conflict-named file into an ordinary file that receivers get', async () => {
    const name = 'plan.sync-conflict-20260102-030405-laptop.md'
    await writeFiles(pub(), { 'plan.md': 'plan\n', [name]: 'other plan\n' })
    await waitFor('the copy listed on A', async () => (await json<Conflict[]>(A, ['conflicts', pub()])).length === 1)
    const [c] = await json<Conflict[]>(A, ['conflicts', pub()])
    expect(c.copies[0]).toMatchObject({ name, device: 'laptop', madeAt: Date.UTC(2026, 0, 2, 3, 4, 5) })
    const r = await json<ResolveResult>(A, ['resolve', pub(), 'plan.md', '--keep', 'both'])
    expect(r.renamed).toEqual([{ from: name, to: 'plan (laptop 2026-01-02 030405).md' }])
    expect(await read(path.join(pub(), 'plan (laptop 2026-01-02 030405).md'))).toBe('other plan\n')
    expect(await exists(path.join(pub(), name))).toBe(false)
    await waitFor('the receiver has the renamed file and not the copy', async () => (await exists(path.join(recv(), 'plan (laptop 2026-01-02 030405).md'))) && !(await exists(path.join(recv(), name))), 60_000)
    expect((await shoal(A, ['conflicts', pub()])).stdout.trim()).toBe('No conflicts.')
  })
})
