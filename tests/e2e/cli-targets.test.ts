import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { formatLink } from '../../shared/link.ts'
import { treeHashes } from '../helpers/files.ts'
import { cleanEnv, runShoal, startNetwork, type ShoalNetwork, type ShoalRun } from './helpers/shoal-process.ts'

// Where a folder may go, as a user meets it on the command line (folder-target.ts): a join, share
// or sync into a folder that holds Shoal's data directory, a system folder or a kernel-made tree
// exits 2 with a message naming the problem and registers nothing; a join into a folder that has
// files asks for --merge. Real `shoal` processes, real folders.

let root: string

/** Runs `shoal <args>` to completion with SHOAL_DATA=dataDir (killed after the deadline). */
const shoal = (dataDir: string, args: string[]) => runShoal(args, { env: cleanEnv(dataDir) })

/** The folders `shoal status` lists for a data directory. */
async function folders(dataDir: string): Promise<{ path: string; kind: string }[]> {
  const r = await shoal(dataDir, ['status', '--json'])
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout).folders
}

/** Exit code 2 and, as the last line on stderr (after any progress note), one that says `why`. */
function expectRefused(r: ShoalRun, why: RegExp): void {
  expect(r.code, r.stdout + r.stderr).toBe(2)
  expect(r.stderr.trimEnd().split('\n').pop()).toMatch(why)
  expect(r.stdout).toBe('')
}

const LINK = formatLink({ key: 'ab'.repeat(32) })
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-e2e-targets-')))
})

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true })
})

// Each test runs about ten `shoal` processes one after the other; one costs 1-3.5 s on a busy
// 2-core machine (tsx start, engine open), so the limit is the sum of those, not a wait for an event.
describe('a folder that holds the data directory (a home folder, say)', { timeout: 120_000 }, () => {
  it('join, join --atomic, share and sync refuse it and register nothing; a folder inside it works', async () => {
    const home = path.join(root, 'ana')
    const data = path.join(home, '.shoal-data')
    await fs.mkdir(home)
    await fs.writeFile(path.join(home, '.bashrc'), 'mine\n')
    const before = await treeHashes(home)

    const contains = new RegExp(`^shoal: Cannot (join into|sync) ${escape(home)}: it contains Shoal's data directory \\(${escape(data)}\\), so (the publisher's|other devices') files could replace Shoal's settings and keys`)
    expectRefused(await shoal(data, ['join', LINK, home]), contains)
    expectRefused(await shoal(data, ['join', LINK, home, '--atomic']), contains)
    expectRefused(await shoal(data, ['sync', home]), contains)
    expectRefused(await shoal(data, ['share', home]), /^shoal: Cannot share .*: it contains Shoal's data directory .*would publish this device's secret keys/)
    // The data directory itself (inside it: tests/unit/folder-target.test.ts).
    expectRefused(await shoal(data, ['join', LINK, data]), /it is Shoal's data directory .* or inside it/)

    expect(await folders(data)).toEqual([])
    // Nothing was created, moved or replaced (the data directory itself aside).
    const after = await treeHashes(home)
    expect(Object.keys(after).filter((k) => !k.startsWith('.shoal-data/'))).toEqual(Object.keys(before))
    expect(await fs.readFile(path.join(home, '.bashrc'), 'utf8')).toBe('mine\n')
    expect((await fs.readdir(home)).sort()).toEqual(['.bashrc', '.shoal-data'])

    // The same commands with a folder of its own work.
    const join = await shoal(data, ['join', LINK, path.join(home, 'from-anna')])
    expect(join.code, join.stderr).toBe(0)
    expect(join.stdout).toMatch(/^Added .*from-anna, following shoal:\/\//)
    await fs.mkdir(path.join(home, 'docs'))
    await fs.writeFile(path.join(home, 'docs', 'a.txt'), 'a')
    const share = await shoal(data, ['share', path.join(home, 'docs')])
    expect(share.code, share.stderr).toBe(0)
    expect((await folders(data)).map((f) => [f.kind, f.path])).toEqual([
      ['follow', path.join(home, 'from-anna')],
      ['publish', path.join(home, 'docs')]
    ])
  })
})

describe('system folders, kernel-made trees and files in the way', { timeout: 120_000 }, () => {
  it('refuse /proc/x, /sys/x, /, /usr/x, /home, a home folder and file/sub, creating nothing; a good folder works after', async () => {
    const data = path.join(root, 'sys-data')
    await fs.writeFile(path.join(root, 'file'), 'x')
    // The rules themselves are covered per platform in tests/unit/folder-target.test.ts; here each
    // kind of refusal once, as a user meets it. Two processes at a time (one CLI start costs ~1-3 s).
    const cases: Array<[string[], RegExp]> = [
      [['join', LINK, '/proc/shoal-x'], /^shoal: Cannot join into \/proc\/shoal-x: it is on a proc filesystem, which the kernel makes up on the fly/],
      [['join', LINK, '/sys/shoal-x'], /^shoal: Cannot join into \/sys\/shoal-x: it is on a sysfs filesystem/],
      [['share', '/proc/self'], /^shoal: Cannot share \/proc\/self .*proc filesystem.*a scan of it may never end/],
      [['join', LINK, '/'], /^shoal: Cannot join into \/: it is the root of the filesystem/],
      [['sync', '/'], /^shoal: Cannot sync \/: it is the root of the filesystem/],
      [['join', LINK, '/usr/shoal-x'], /^shoal: Cannot join into \/usr\/shoal-x: \/usr is a system folder/],
      [['join', LINK, '/home'], /^shoal: Cannot join into \/home: it is a top-level system folder\. Choose a new folder inside it, for example \/home\/new-folder/],
      [['join', LINK, os.homedir()], /it is a home folder: files written there would mix with yours, settings such as \.bashrc included/],
      [['join', LINK, path.join(root, 'file', 'sub')], new RegExp(`^shoal: ${escape(root)}/file/sub cannot be created: ${escape(root)}/file is a file, not a folder`)]
    ]
    // Each of the two at a time has its own data directory (one process per data directory).
    const dataOf = (i: number) => `${data}-${i % 2}`
    const runs: ShoalRun[] = []
    for (let i = 0; i < cases.length; i += 2) runs.push(...(await Promise.all(cases.slice(i, i + 2).map(([args], j) => shoal(dataOf(i + j), args)))))
    cases.forEach(([, why], i) => expectRefused(runs[i], why))
    expect(await Promise.all([folders(dataOf(0)), folders(dataOf(1))])).toEqual([[], []])
    for (const made of ['/usr/shoal-x', path.join(root, 'file', 'sub')]) await expect(fs.lstat(made)).rejects.toMatchObject({ code: expect.stringMatching(/ENOENT|ENOTDIR/) })
    expect(await fs.readFile(path.join(root, 'file'), 'utf8')).toBe('x')

    const ok = await shoal(dataOf(0), ['join', LINK, path.join(root, 'fine')])
    expect(ok.code, ok.stderr).toBe(0)
    expect((await folders(dataOf(0))).map((f) => f.path)).toEqual([path.join(root, 'fine')])
  })

  it('a link cannot dodge the rules: the folder it leads to is checked', async () => {
    const data = path.join(root, 'link-data')
    await fs.symlink('/usr', path.join(root, 'to-usr'))
    await fs.symlink(root, path.join(root, 'to-root'))
    expectRefused(await shoal(data, ['join', LINK, path.join(root, 'to-usr', 'x')]), /to-usr\/x \(which leads to \/usr\/x\): \/usr is a system folder/)
    // root holds link-data: through the link, the target contains the data directory.
    expectRefused(await shoal(data, ['sync', path.join(root, 'to-root')]), /to-root \(which leads to .*\): it contains Shoal's data directory/)
    expect(await folders(data)).toEqual([])
  })

  it('a folder given before the link is named as such, and nothing is registered', async () => {
    const data = path.join(root, 'order-data')
    const r = await shoal(data, ['join', path.join(root, 'x'), LINK])
    expectRefused(r, new RegExp(`^shoal: join: the link comes first, then the folder: shoal join ${escape(LINK)} ${escape(path.join(root, 'x'))}$`))
    expect(await folders(data)).toEqual([])
  })

  it('--merge and --atomic do not go together', async () => {
    const r = await shoal(path.join(root, 'usage-data'), ['join', LINK, path.join(root, 'x'), '--atomic', '--merge'])
    expectRefused(r, /^shoal: join: --merge does not apply with --atomic/)
  })
})

describe('through running daemons', () => {
  let net: ShoalNetwork
  beforeAll(async () => {
    net = await startNetwork(root, ['a', 'b'])
  })
  afterAll(async () => {
    await net?.stop()
  })

  it('a join into a folder that has files asks for --merge; with it, your files stay and a different one becomes a conflict copy', async () => {
    const [a, b] = net.daemons
    const src = path.join(root, 'album')
    const dst = path.join(root, 'album-here')
    await fs.mkdir(src)
    await fs.mkdir(dst)
    await fs.writeFile(path.join(src, 'same.txt'), 'same')
    await fs.writeFile(path.join(src, 'other.txt'), 'theirs')
    await fs.writeFile(path.join(dst, 'same.txt'), 'same')
    await fs.writeFile(path.join(dst, 'other.txt'), 'mine')
    await fs.writeFile(path.join(dst, 'notes.md'), 'only here')
    const share = await shoal(a.dataDir, ['share', src, '--json'])
    expect(share.code, share.stderr).toBe(0)
    const { link } = JSON.parse(share.stdout)

    const refused = await shoal(b.dataDir, ['join', link, dst])
    expectRefused(
      refused,
      new RegExp(`^shoal: ${escape(dst)} is not empty: it holds 3 files or folders \\(notes\\.md, other\\.txt, same\\.txt\\)\\. To join into it anyway, add --merge: your files stay, a file with the same name and content is adopted, and a different one is kept as a conflict copy\\. Or choose a new or empty folder\\.`)
    )
    expect(await folders(b.dataDir)).toEqual([])
    expect((await fs.readdir(dst)).sort()).toEqual(['notes.md', 'other.txt', 'same.txt'])

    const merged = await shoal(b.dataDir, ['join', link, dst, '--merge'])
    expect(merged.code, merged.stderr).toBe(0)
    expect(merged.stdout).toMatch(/^Up to date: /)
    const names = (await fs.readdir(dst)).sort()
    const copy = names.find((n) => /^other\.sync-conflict-\d{8}-\d{6}-.+\.txt$/.test(n))
    expect(copy, names.join(', ')).toBeDefined()
    expect(names.filter((n) => n !== copy)).toEqual(['notes.md', 'other.txt', 'same.txt'])
    expect(await fs.readFile(path.join(dst, 'other.txt'), 'utf8')).toBe('theirs')
    expect(await fs.readFile(path.join(dst, copy!), 'utf8')).toBe('mine')
    expect(await fs.readFile(path.join(dst, 'notes.md'), 'utf8')).toBe('only here')
  })

  it('sync --invite applies the same rules to the folder it joins into', async () => {
    const [a, b] = net.daemons
    const notes = path.join(root, 'notes')
    const made = await shoal(a.dataDir, ['sync', notes, '--json'])
    expect(made.code, made.stderr).toBe(0)
    const { invite } = JSON.parse(made.stdout).invite
    const before = (await folders(b.dataDir)).length
    expectRefused(await shoal(b.dataDir, ['sync', '--invite', invite, '/']), /^shoal: Cannot sync \/: it is the root of the filesystem/)
    expectRefused(await shoal(b.dataDir, ['sync', '--invite', invite, b.dataDir]), /it is Shoal's data directory/)
    expect(await folders(b.dataDir)).toHaveLength(before)
  })
})
