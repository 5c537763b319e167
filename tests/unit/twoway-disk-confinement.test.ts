import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { createHash } from 'node:crypto'
import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import { applyOp } from '../../main/engine/twoway/apply.ts'
import { mapTx } from '../../main/engine/twoway/view.ts'
import { writeViewToDisk } from '../../main/engine/twoway/disk-writer.ts'
import { LocalIndex } from '../../main/engine/fs/local-index.ts'
import { IgnoreRules } from '../../main/engine/fs/ignore-rules.ts'
import type { BlobStore } from '../../main/engine/twoway/blobs.ts'
import type { EntryData, FileEntry, Op } from '../../main/engine/twoway/ops.ts'
import { prng } from '../helpers/random.ts'

// Path confinement of the two-way disk writer, as a hostile device of the folder would try it: it
// appends ops (through the real apply(), so the view is what every device would build) that mix
// links (chains, loops, "..", links built on links), deletes and file <-> folder <-> link swaps, and
// after every pass over the disk nothing outside the folder changed and no link inside leads out.
// Only the content store is stood in for (it is not under test): every blob reads as PAYLOAD.

const PAYLOAD = Buffer.from('from a hostile device')
const HASH = createHash('sha256').update(PAYLOAD).digest('hex')
const AUTHOR = 'e'.repeat(64)
const NAMES = ['a', 'b', 'l', 'x']
const PARTS = ['..', '.', 'a', 'b', 'l', 'x', 'sibling', '']

const blobs = {
  has: async () => true,
  read: async function* () {
    yield PAYLOAD
  }
} as unknown as BlobStore


let tmp: string
beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-confine-'))
})
afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true })
})

async function snapshot(root: string, skip: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  const walk = async (dir: string): Promise<void> => {
    for (const d of await fs.readdir(dir, { withFileTypes: true })) {
      const abs = path.join(dir, d.name)
      if (abs === skip) continue
      if (d.isSymbolicLink()) out[abs] = 'link:' + (await fs.readlink(abs))
      else if (d.isDirectory()) {
        out[abs] = 'dir'
        await walk(abs)
      } else out[abs] = (await fs.readFile(abs)).toString('hex')
    }
  }
  await walk(root)
  return out
}

async function linksLeadingOut(root: string): Promise<string[]> {
  const realRoot = await fs.realpath(root)
  const bad: string[] = []
  const walk = async (dir: string): Promise<void> => {
    for (const d of await fs.readdir(dir, { withFileTypes: true })) {
      const abs = path.join(dir, d.name)
      if (d.isDirectory()) await walk(abs)
      else if (d.isSymbolicLink()) {
        const real = await fs.realpath(abs).catch(() => null)
        if (real !== null && real !== realRoot && !real.startsWith(realRoot + path.sep)) bad.push(`${d.name} -> ${await fs.readlink(abs)}`)
      }
    }
  }
  await walk(root)
  return bad
}

describe('the two-way disk writer under hostile ops', () => {
  for (const seed of [3, 5, 8, 13, 21]) {
    it(`keeps every write inside the folder (seed ${seed})`, async () => {
      const rnd = prng(seed)
      const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]
      const root = path.join(tmp, 'box', 'folder')
      await fs.mkdir(root, { recursive: true })
      await fs.mkdir(path.join(tmp, 'box', 'sibling'))
      await fs.writeFile(path.join(tmp, 'box', 'sibling', 'keep.txt'), 'mine')
      await fs.writeFile(path.join(tmp, 'top.txt'), 'mine too')
      const before = await snapshot(tmp, root)

      const view = new Map<string, unknown>()
      const tx = mapTx(view)
      // Saved only at close: a save by its own timer mid-test would show up in the snapshot of tmp.
      const index = new LocalIndex(path.join(tmp, 'state', 'index.json'), { persistWithinMs: 0 })
      await index.ready()
      const dirs = new Set<string>()
      const file = (): EntryData => ({ kind: 'file', hash: HASH, size: PAYLOAD.length, blob: { key: AUTHOR, blockOffset: 0, blockLength: 1, byteOffset: 0, byteLength: PAYLOAD.length }, executable: false, mtime: 1, device: 'evil' })
      const link = (linkname: string): EntryData => ({ kind: 'symlink', hash: createHash('sha256').update(linkname).digest('hex'), size: 0, blob: null, linkname, executable: false, mtime: 1, device: 'evil' })
      const dirEntry = (): EntryData => ({ kind: 'dir', hash: 'dir', size: 0, blob: null, executable: false, mtime: 1, device: 'evil' })
      const log: string[] = []

      for (let round = 0; round < 25; round++) {
        const tree = new Map<string, FileEntry>()
        for (const [k, v] of view) if (k.startsWith('f/')) tree.set(k.slice(1), v as FileEntry)
        const paths = [...tree.keys()]
        const linksNow = paths.filter((p) => tree.get(p)!.kind === 'symlink')
        for (let i = 0; i < 4; i++) {
          const p = '/' + Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => pick(NAMES)).join('/')
          const cur = tree.get(p)
          const parent = cur ? `${cur.kind}:${cur.hash}` : null
          const r = rnd()
          let op: Op
          if (r < 0.35) {
            const up = '../'.repeat(p.split('/').length - 2)
            const target = linksNow.length && rnd() < 0.5 ? up + pick(linksNow).slice(1) + pick(['/..', '/../..', '/x']) : Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => pick(PARTS)).join('/') || '..'
            op = { type: 'put', path: p, parent, entry: link(target), time: round }
          } else if (r < 0.65) op = { type: 'put', path: p, parent, entry: file(), time: round }
          else if (r < 0.8) op = { type: 'put', path: p, parent, entry: dirEntry(), time: round }
          else if (paths.length) {
            const q = pick(paths)
            const e = tree.get(q)!
            op = { type: 'del', path: q, parent: e.kind === 'dir' ? 'dir' : `${e.kind}:${e.hash}`, kind: e.kind, time: round }
          } else continue
          log.push(JSON.stringify(op.type === 'put' ? [op.path, op.entry.kind, op.entry.linkname ?? ''] : ['del', op.path]))
          await applyOp(tx, op, AUTHOR, null)
        }
        const next = new Map<string, FileEntry>()
        for (const [k, v] of view) if (k.startsWith('f/')) next.set(k.slice(1), v as FileEntry)
        await writeViewToDisk(next, { root, index, dirs, ignore: IgnoreRules.parse(''), blobs, isClosing: () => false, onEvent: () => {} })
        const why = `seed ${seed}, round ${round}:\n${log.join('\n')}`
        expect(await snapshot(tmp, root), why).toEqual(before)
        expect(await linksLeadingOut(root), why).toEqual([])
      }
      await index.close()
    })
  }
})
