import fs from 'node:fs/promises'
import path from 'node:path'
import { markVersion } from '../helpers/drive-versions.ts'
import { createHash } from 'node:crypto'
import { describe, it, expect } from 'vitest'
import { networkPerTest, publishedDrive } from '../helpers/network.ts'
import { waitFor, writeFiles } from '../helpers/files.ts'
import type { Engine } from '../../main/engine/engine.ts'
import type Hyperdrive from 'hyperdrive'
import { prng } from '../helpers/random.ts'

// Property test of path confinement, as an attacker would try it: a publisher writes raw entries
// into its drive (bypassing Hyperdrive's path handling), version after version, mixing symbolic
// links (chains, loops, "..", "."), moves, deletes, file <-> folder <-> link swaps and writes under
// freshly linked paths. After every version, on a live receiver and an atomic one (real peers on a
// loopback DHT): nothing outside their folders changed, and no link inside leads outside.
// Seeds: SHOAL_LINK_SEEDS=1,2,3 (printed on failure). On the code before this rule, seed 11 created a link
// leading out of the folder and seed 66 wrote files into its parent.

const SEEDS = (process.env.SHOAL_LINK_SEEDS ?? '11,66,33,44').split(',').map(Number)
const VERSIONS = Number(process.env.SHOAL_LINK_VERSIONS ?? 18)


const NAMES = ['a', 'b', 'l', 'x']
// Targets that look inside as text and are not, once other links exist; plus harmless ones.
const TARGET_PARTS = ['..', '.', 'a', 'b', 'l', 'x', 'sibling', 'outside', '']

interface Gen {
  rnd: () => number
  pick<T>(xs: readonly T[]): T
}

function gen(seed: number): Gen {
  const rnd = prng(seed)
  return { rnd, pick: (xs) => xs[Math.floor(rnd() * xs.length)] }
}

function randomPath(g: Gen): string {
  const depth = 1 + Math.floor(g.rnd() * 3)
  return '/' + Array.from({ length: depth }, () => g.pick(NAMES)).join('/')
}

/** Random text, or built on a link already in the drive ("sub/l/.." where sub/l -> ".."). */
function randomTarget(g: Gen, at: string, links: string[]): string {
  const up = '../'.repeat(at.split('/').length - 2)
  if (links.length && g.rnd() < 0.5) return up + g.pick(links).slice(1) + g.pick(['/..', '/../..', '/x', '/../sibling', ''])
  const n = 1 + Math.floor(g.rnd() * 4)
  return Array.from({ length: n }, () => g.pick(TARGET_PARTS)).join('/') || '..'
}

/** Every file, folder and link below root with what it is (content hash, link text), links not followed. */
async function snapshot(root: string, skip: Set<string>): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  const walk = async (dir: string): Promise<void> => {
    for (const d of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const abs = path.join(dir, d.name)
      if (skip.has(abs)) continue
      const rel = path.relative(root, abs)
      if (d.isSymbolicLink()) out[rel] = 'link:' + (await fs.readlink(abs))
      else if (d.isDirectory()) {
        out[rel] = 'dir'
        await walk(abs)
      } else out[rel] = createHash('sha256').update(await fs.readFile(abs)).digest('hex')
    }
  }
  await walk(root)
  return out
}

/** Links below root (not following links) whose target resolves to a place outside root. */
async function linksLeadingOut(root: string): Promise<string[]> {
  const realRoot = await fs.realpath(root)
  const bad: string[] = []
  const walk = async (dir: string): Promise<void> => {
    for (const d of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const abs = path.join(dir, d.name)
      if (d.isDirectory()) await walk(abs)
      else if (d.isSymbolicLink()) {
        const real = await fs.realpath(abs).catch(() => null) // dangling or a loop: leads nowhere
        if (real !== null && real !== realRoot && !real.startsWith(realRoot + path.sep)) bad.push(`${path.relative(root, abs)} -> ${await fs.readlink(abs)} = ${real}`)
      }
    }
  }
  await walk(realRoot)
  return bad
}

const net = networkPerTest()

const KEY = (p: string) => 'files\u0000' + p

describe('hostile versions of links, moves, deletes and swaps', () => {
  it('never change anything outside the receiver folders, and no link inside leads out', async () => {
    const a = await net.engine('a')
    const b = await net.engine('b')
    const c = await net.engine('c')
    for (const seed of SEEDS) {
      const g = gen(seed)
      const run = path.join(net.tmp, `run-${seed}`)
      const src = path.join(run, 'src')
      const box = path.join(run, 'box')
      const abox = path.join(run, 'abox')
      await writeFiles(src, { 'ok.txt': 'fine' })
      // What an escape would touch: siblings of each receiver folder and a folder above them.
      for (const dir of [box, abox, run]) {
        await writeFiles(path.join(dir, 'sibling'), { 'keep.txt': 'mine', 'a/deep.txt': 'mine too' })
        await fs.symlink('sibling', path.join(dir, 'outside'))
      }
      const dst = path.join(box, 'dst')
      const adst = path.join(abox, 'dst')
      const mine = new Set([dst, adst, path.join(abox, '.dst.shoal-versions'), src])
      const before = await snapshot(run, mine)

      const shared = await a.call('folders.share', { path: src })
      const drive: Hyperdrive = publishedDrive(a, shared.id)
      // With the metadata Shoal publishers write, so receivers recognise moves by content hash.
      const hash = createHash('sha256').update('pwned').digest('hex')
      await drive.put('/payload', Buffer.from('pwned'), { metadata: { size: 5, mtime: Date.now(), mode: 0o644, hash } })
      const payload = (await drive.entry('/payload'))!.value
      const fileValue = { executable: false, linkname: null, blob: payload.blob, metadata: payload.metadata }
      const live = await b.call('folders.join', { link: shared.link, path: dst })
      const atomic = await c.call('folders.join', { link: shared.link, path: adst, atomic: true })

      const keys = new Map<string, 'file' | 'link'>([['/ok.txt', 'file'], ['/payload', 'file']])
      const applied = async (engine: Engine, id: string, version: number) => {
        const info = (await engine.call('folders.list', {})).find((f) => f.id === id)!
        if (info.state === 'error') throw new Error(`seed ${seed}: receiver error: ${info.error}`)
        return info.version === version && info.state === 'idle'
      }
      const log: string[] = []
      for (let v = 0; v < VERSIONS; v++) {
        const batch = drive.db.batch()
        const ops = 2 + Math.floor(g.rnd() * 6)
        for (let i = 0; i < ops; i++) {
          const r = g.rnd()
          const existing = [...keys.keys()]
          const links = existing.filter((k) => keys.get(k) === 'link')
          if (r < 0.1) {
            // A link that climbs one level, in a real folder of its own, for later links to build on.
            const dir = `/u${v}${i}`
            await batch.put(KEY(dir + '/keep'), fileValue)
            await batch.put(KEY(dir + '/l'), { executable: false, linkname: '..', blob: null, metadata: null })
            keys.set(dir + '/keep', 'file')
            keys.set(dir + '/l', 'link')
            log.push(`v${v} uplink ${dir}/l -> ..`)
          } else if (r < 0.2 && links.length) {
            // The reported chain: a folder emptied by a move comes back, in the same version, as a
            // link that reads as inside but resolves outside, and files are written under it.
            const p = '/' + g.pick(NAMES)
            for (const k of existing) {
              if (!k.startsWith(p + '/')) continue
              const value = (await drive.db.get(KEY(k)))?.value ?? fileValue
              const to = '/moved-' + k.slice(1).replaceAll('/', '-')
              await batch.del(KEY(k))
              await batch.put(KEY(to), value)
              keys.set(to, keys.get(k)!)
              keys.delete(k)
            }
            const uplinks = links.filter((k) => /^\/u\d+\/l$/.test(k))
            const target = g.pick(uplinks.length ? uplinks : links).slice(1) + '/..'
            await batch.put(KEY(p), { executable: false, linkname: target, blob: null, metadata: null })
            keys.set(p, 'link')
            for (let n = 0; n < 30; n++) {
              await batch.put(KEY(`${p}/f${n}`), fileValue)
              keys.set(`${p}/f${n}`, 'file')
            }
            log.push(`v${v} attack: moved ${p}/*, ${p} -> ${target}, files under it`)
          } else if (r < 0.4) {
            const p = randomPath(g)
            const target = randomTarget(g, p, links)
            await batch.put(KEY(p), { executable: false, linkname: target, blob: null, metadata: null })
            keys.set(p, 'link')
            log.push(`v${v} link ${p} -> ${target}`)
          } else if (r < 0.6) {
            const p = randomPath(g)
            await batch.put(KEY(p), fileValue)
            keys.set(p, 'file')
            log.push(`v${v} file ${p}`)
          } else if (r < 0.72 && existing.length) {
            const p = g.pick(existing)
            await batch.del(KEY(p))
            keys.delete(p)
            log.push(`v${v} del ${p}`)
          } else if (r < 0.85 && existing.length) {
            // A move: the same entry under a new name (the receiver renames what it has).
            const from = g.pick(existing)
            const to = randomPath(g)
            const value = (await drive.db.get(KEY(from)))?.value ?? fileValue
            await batch.del(KEY(from))
            await batch.put(KEY(to), value)
            keys.set(to, keys.get(from)!)
            keys.delete(from)
            log.push(`v${v} move ${from} -> ${to}`)
          } else {
            // A swap: everything under a folder goes, and its name comes back as a link or file.
            const p = randomPath(g)
            for (const k of existing) {
              if (k.startsWith(p + '/')) {
                await batch.del(KEY(k))
                keys.delete(k)
              }
            }
            const target = randomTarget(g, p, links)
            await batch.put(KEY(p), { executable: false, linkname: target, blob: null, metadata: null })
            await batch.put(KEY(p + '/' + g.pick(NAMES)), fileValue)
            keys.set(p, 'link')
            log.push(`v${v} swap ${p} -> ${target} (+ a file under it)`)
          }
        }
        const version = await markVersion(drive, batch)
        await batch.flush()
        const why = () => `seed ${seed}, version ${v}; operations so far:\n${log.join('\n')}`
        await waitFor(`receivers to apply version ${v} (${why()})`, async () => (await applied(b, live.id, version)) && (await applied(c, atomic.id, version)), 30_000)
        expect(await snapshot(run, mine), `outside changed: ${why()}`).toEqual(before)
        expect(await linksLeadingOut(dst), why()).toEqual([])
        expect(await linksLeadingOut(adst), why()).toEqual([])
      }
      // A clean receiver state for the next seed.
      await b.call('folders.remove', { folder: live.id })
      await c.call('folders.remove', { folder: atomic.id })
      await a.call('folders.remove', { folder: shared.id })
    }
  }, 300_000)
})
