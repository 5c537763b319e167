import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { formatLink, parseLink } from '../../shared/link.ts'
import { treeHashes, writeFiles } from '../helpers/files.ts'
import { runShoal, startDaemon, startNetwork, type Daemon, type ShoalNetwork, type ShoalRun } from './helpers/shoal-process.ts'

// A join that fails, as a user meets it: a wrong read key for an encrypted share, or a folder that
// cannot be made (a kernel tree, a path under a file, a place this user cannot write). Each says
// the real cause, leaves nothing registered (status, the data directory's config.json) and creates
// nothing on disk; the same join with the right link and a good folder then works. Real `shoal
// run` daemons on a loopback DHT; the receiving one runs without the power to ignore file
// permissions (root's CAP_DAC_OVERRIDE) so a read-only folder refuses it as it would a user.

let root: string
let net: ShoalNetwork
let pub: Daemon
let rec: Daemon
const SRC_FILES = { 'a.txt': 'alpha\n', 'docs/b.md': '# bee\n', 'docs/deep/c.bin': randomBytes(70_000) }

const shoal = (d: Daemon, args: string[]) => runShoal([...args, '--data', d.dataDir], { env: net.env })

/** What `shoal status` lists on the receiver, and what its config.json keeps. */
async function registered(): Promise<{ status: string[]; config: string[] }> {
  const r = await shoal(rec, ['status', '--json'])
  expect(r.code, r.stderr).toBe(0)
  const config = JSON.parse(await fs.readFile(path.join(rec.dataDir, 'config.json'), 'utf8')) as { folders: { path: string }[] }
  return { status: JSON.parse(r.stdout).folders.map((f: { path: string }) => f.path), config: config.folders.map((f) => f.path) }
}

/** A failed command: exit code `code`, nothing on stdout, and `why` on the last line of stderr. */
function expectFailed(r: ShoalRun, code: number, why: RegExp): void {
  expect(r.code, r.stdout + r.stderr).toBe(code)
  expect(r.stdout).toBe('')
  expect(r.stderr.trimEnd().split('\n').pop()).toMatch(why)
}

const exists = (p: string) => fs.lstat(p).then(() => true, () => false)
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

beforeAll(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-e2e-joinfail-')))
  net = await startNetwork(root, ['pub'])
  pub = net.daemons[0]
  // Root may write anywhere: without CAP_DAC_OVERRIDE it obeys permissions like any user.
  const wrap = process.getuid?.() === 0 ? ['setpriv', '--bounding-set', '-dac_override,-dac_read_search', '--'] : []
  rec = await startDaemon({ name: 'rec', dataDir: path.join(root, 'rec'), bootstrap: net.bootstrap, env: net.env, wrap, onStart: (p) => net.track(p) })
}, 120_000)

afterAll(async () => {
  await net?.stop()
  await fs.chmod(path.join(root, 'readonly'), 0o755).catch(() => {})
  await fs.rm(root, { recursive: true, force: true })
})

describe('a join that fails', { timeout: 180_000 }, () => {
  it('says why, keeps nothing, and the same join with the right link and folder then works', async () => {
    const src = path.join(root, 'src')
    await writeFiles(src, SRC_FILES)
    const shared = await shoal(pub, ['share', src, '--encrypt'])
    expect(shared.code, shared.stderr).toBe(0)
    const link = shared.stdout.match(/^shoal:\/\/\S+\?read=\S+$/m)![0]
    const wrongKey = formatLink({ key: parseLink(link).key, readKey: randomBytes(32).toString('hex') })

    // A wrong read key shows once the publisher's first blocks arrive: the join is undone.
    const dst = path.join(root, 'dst')
    const readKey = /This folder is encrypted and the link does not carry its read key \(or the key is wrong\): ask the publisher for the full share link$/
    expectFailed(await shoal(rec, ['join', wrongKey, dst]), 2, readKey)
    expect(await registered()).toEqual({ status: [], config: [] })
    expect(await exists(dst)).toBe(false)
    // Again, now that this device's store holds those blocks (the failure shows as the folder opens).
    expectFailed(await shoal(rec, ['join', wrongKey, dst, '--atomic']), 2, readKey)
    expect(await registered()).toEqual({ status: [], config: [] })
    expect(await fs.readdir(root)).not.toContain('.dst.shoal-versions')

    // Folders that cannot be made, each with its cause.
    const file = path.join(root, 'a-file')
    await fs.writeFile(file, 'not a folder\n')
    const readonly = path.join(root, 'readonly')
    await fs.mkdir(readonly, { mode: 0o555 })
    await fs.chmod(readonly, 0o555)
    const cases: Array<[string[], number, RegExp]> = [
      [['/proc/x'], 2, /^shoal: Cannot join into \/proc\/x: it is on a proc filesystem/],
      [['/sys/x', '--atomic'], 2, /^shoal: Cannot join into \/sys\/x: it is on a sysfs filesystem/],
      [[path.join(file, 'sub')], 2, new RegExp(`^shoal: ${escape(path.join(file, 'sub'))} cannot be created: ${escape(file)} is a file, not a folder$`)],
      [[file], 2, new RegExp(`^shoal: ${escape(file)} is a file, not a folder$`)],
      [[path.join(readonly, 'sub')], 1, new RegExp(`^shoal: Cannot create ${escape(path.join(readonly, 'sub'))}: permission denied: Shoal \\(running as user [^)]+\\) cannot write in ${escape(readonly)}\\.`)],
      [[path.join(readonly, 'sub'), '--atomic'], 1, new RegExp(`^shoal: Cannot create ${escape(path.join(readonly, 'sub'))}: permission denied`)],
      [[readonly], 1, new RegExp(`^shoal: Cannot join into ${escape(readonly)}: permission denied: Shoal \\(running as user [^)]+\\) cannot write in ${escape(readonly)}\\.`)]
    ]
    for (const [where, code, why] of cases) {
      expectFailed(await shoal(rec, ['join', link, ...where]), code, why)
    }
    expect(await registered()).toEqual({ status: [], config: [] })
    expect(await fs.readdir(readonly)).toEqual([])

    // The right link into a good folder: up to date, every file there.
    const ok = await shoal(rec, ['join', link, dst])
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout).toMatch(/^Up to date: /)
    expect(await treeHashes(dst)).toEqual(await treeHashes(src))
    expect(await registered()).toEqual({ status: [dst], config: [dst] })
  })
})
