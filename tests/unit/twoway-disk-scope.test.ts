import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { createHash } from 'node:crypto'
import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import { applyOp } from '../../main/engine/twoway/apply.ts'
import { mapTx } from '../../main/engine/twoway/view.ts'
import { writeViewToDisk, type DiskWriteResult } from '../../main/engine/twoway/disk-writer.ts'
import { LocalIndex } from '../../main/engine/fs/local-index.ts'
import { IgnoreRules } from '../../main/engine/fs/ignore-rules.ts'
import type { BlobStore } from '../../main/engine/twoway/blobs.ts'
import type { EntryData, FileEntry, Op } from '../../main/engine/twoway/ops.ts'
import { prng } from '../helpers/random.ts'

// A disk pass given only what changed (the view's diff since the last pass, plus what that pass
// left owed) must leave the folder exactly as a full pass over everything would. Two folders take
// the same random ops of one device (files, folders, links, deletes, swaps, run through the real
// apply()): one gets full passes, the other scoped passes; after every round both folders, their
// local indexes and their folder lists are the same. Only the content store is stood in for.

const PAYLOAD = Buffer.from('content')
const HASH = createHash('sha256').update(PAYLOAD).digest('hex')
const AUTHOR = 'e'.repeat(64)
const NAMES = ['a', 'b', 'c', 'x']
const TARGETS = ['a', 'b', '../x', 'c/a', '.']

const blobs = {
  has: async () => true,
  read: async function* () {
    yield PAYLOAD
  }
} as unknown as BlobStore


/** Every path under root: 'dir', 'link:<target>' or the file's content (hex). */
async function snapshot(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const d of await fs.readdir(dir, { withFileTypes: true })) {
      const r = `${rel}/${d.name}`
      const abs = path.join(dir, d.name)
      if (d.isSymbolicLink()) out[r] = 'link:' + (await fs.readlink(abs))
      else if (d.isDirectory()) {
        out[r] = 'dir'
        await walk(abs, r)
      } else out[r] = (await fs.readFile(abs)).toString('hex')
    }
  }
  await walk(root, '')
  return out
}

/** Whether every component of rel under root is a real folder (no link on the way). */
async function realDir(root: string, rel: string): Promise<boolean> {
  let abs = root
  for (const seg of rel.split('/').filter(Boolean)) {
    abs = path.join(abs, seg)
    if (!(await fs.lstat(abs).catch(() => null))?.isDirectory()) return false
  }
  return true
}

const viewFiles = (view: Map<string, unknown>) => new Map([...view].filter(([k]) => k.startsWith('f/')).map(([k, v]) => [k.slice(1), v as FileEntry]))

let tmp: string
beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-scope-'))
})
afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true })
})

describe('a scoped disk pass', () => {
  for (const seed of [2, 4, 6, 9, 17]) {
    it(`leaves the folder as a full pass does (seed ${seed})`, async () => {
      const rnd = prng(seed)
      const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]
      const view = new Map<string, unknown>()
      const tx = mapTx(view)
      const side = async (name: string) => {
        const root = path.join(tmp, name)
        await fs.mkdir(root)
        const index = new LocalIndex(path.join(tmp, `${name}-state`, 'index.json'), { persistWithinMs: 0 })
        await index.ready()
        return { root, index, dirs: new Set<string>() }
      }
      const full = await side('full')
      const scoped = await side('scoped')
      const file = (): EntryData => ({ kind: 'file', hash: HASH, size: PAYLOAD.length, blob: { key: AUTHOR, blockOffset: 0, blockLength: 1, byteOffset: 0, byteLength: PAYLOAD.length }, executable: rnd() < 0.2, mtime: 1, device: 'dev' })
      const link = (linkname: string): EntryData => ({ kind: 'symlink', hash: createHash('sha256').update(linkname).digest('hex'), size: 0, blob: null, linkname, executable: false, mtime: 1, device: 'dev' })
      const dirEntry = (): EntryData => ({ kind: 'dir', hash: 'dir', size: 0, blob: null, executable: false, mtime: 1, device: 'dev' })
      const log: string[] = []
      let before = viewFiles(view)
      let owed: string[] = []

      for (let round = 0; round < 30; round++) {
        for (let i = 0; i < 1 + Math.floor(rnd() * 4); i++) {
          const tree = viewFiles(view)
          const paths = [...tree.keys()]
          const p = '/' + Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => pick(NAMES)).join('/')
          const cur = tree.get(p)
          const parent = cur ? (cur.kind === 'dir' ? 'dir' : `${cur.kind}:${cur.hash}${cur.executable ? ':x' : ''}`) : null
          const r = rnd()
          let op: Op
          if (r < 0.15) op = { type: 'put', path: p, parent, entry: link(pick(TARGETS)), time: round }
          else if (r < 0.55) op = { type: 'put', path: p, parent, entry: file(), time: round }
          else if (r < 0.7) op = { type: 'put', path: p, parent, entry: dirEntry(), time: round }
          else if (paths.length) {
            const q = pick(paths)
            const e = tree.get(q)!
            op = { type: 'del', path: q, parent: e.kind === 'dir' ? 'dir' : `${e.kind}:${e.hash}${e.executable ? ':x' : ''}`, kind: e.kind, time: round }
          } else continue
          log.push(JSON.stringify(op.type === 'put' ? [op.path, op.entry.kind, op.entry.linkname ?? ''] : ['del', op.path]))
          await applyOp(tx, op, AUTHOR, null)
        }
        // Files made here and never scanned (the same in both folders): they keep folders from going
        // and stand in the way of the view's files, so passes hold folders and hand paths back.
        if (rnd() < 0.35) {
          const dirsNow = ['', ...[...viewFiles(view)].filter(([, e]) => e.kind === 'dir').map(([p]) => p.slice(1))]
          const dir = pick(dirsNow)
          const name = pick(['local', ...NAMES])
          if ((await realDir(full.root, dir)) && (await realDir(scoped.root, dir))) {
            for (const root of [full.root, scoped.root]) await fs.writeFile(path.join(root, dir, name), 'made here', { flag: 'wx' }).catch(() => {}) // something is already there: leave it
            log.push(JSON.stringify(['local', `/${dir}/${name}`.replace('//', '/')]))
          }
        } else if (rnd() < 0.2) {
          const mine = Object.entries(await snapshot(full.root)).filter(([, v]) => v === Buffer.from('made here').toString('hex'))
          if (mine.length) {
            const [rel] = pick(mine)
            for (const root of [full.root, scoped.root]) await fs.rm(path.join(root, rel), { force: true })
            log.push(JSON.stringify(['local rm', rel]))
          }
        }
        const after = viewFiles(view)
        // What the scoped pass is given: the paths whose entry changed, and what the last one left owed.
        const scope = new Set(owed)
        for (const p of new Set([...before.keys(), ...after.keys()])) if (JSON.stringify(before.get(p)) !== JSON.stringify(after.get(p))) scope.add(p)
        const tree = new Map([...after].filter(([p]) => scope.has(p)))
        const opts = { ignore: IgnoreRules.parse(''), blobs, isClosing: () => false, onEvent: () => {} }
        await writeViewToDisk(after, { ...opts, ...full })
        const result: DiskWriteResult = await writeViewToDisk(tree, { ...opts, ...scoped, scope })
        owed = [...result.waitingFor, ...result.rescan, ...result.refused.keys(), ...result.heldDirs]
        before = after
        const why = `seed ${seed}, round ${round} (scope ${[...scope].join(' ')}):\n${log.join('\n')}`
        expect(await snapshot(scoped.root), why).toEqual(await snapshot(full.root))
        expect(Object.fromEntries(scoped.index.entries().map(([p, e]) => [p, e.hash])), why).toEqual(Object.fromEntries(full.index.entries().map(([p, e]) => [p, e.hash])))
        expect([...scoped.dirs].sort(), why).toEqual([...full.dirs].sort())
        expect(result.examined, why).toBeLessThanOrEqual(3 * scope.size)
      }
      await full.index.close()
      await scoped.index.close()
    })
  }
})
