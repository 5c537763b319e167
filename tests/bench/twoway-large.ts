// The large-folder phase of the two-way benchmark (twoway-bench.ts): one two-way folder of N files
// on two devices, then single-file edits on the first. What it measures is the cost of one remote
// edit in a big folder: the time until the other device has the edit on disk, and how long the
// receiver's disk pass took and how many paths it looked at (a full walk looks at all N).
import fs from 'node:fs/promises'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import type { Peer } from './peer-client.ts'
import { log } from './peer-client.ts'
import { content, pool } from './dataset.ts'
import type { PassRecord } from '../../main/engine/twoway/disk-pass.ts'

export interface LargeResult {
  files: number
  bytes: number
  /** Create on device 1 (scan + upload of N files), join on device 2, all N on its disk. */
  setupMs: number
  /** Of which: device 1 has committed every file (idle). */
  createMs: number
  /** Disk passes on device 2 during the setup (count and time, by mode). */
  setupPasses: { full: { passes: number; ms: number }; diff: { passes: number; ms: number } } | null
  /** Edit on device 1 -> the new content on device 2's disk. */
  editMs: number[]
  /** The receiver's disk pass that wrote each edit. */
  passes: PassRecord[]
}

const PER_DIR = 100
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const relOf = (n: number) => path.join(`d${String(Math.floor(n / PER_DIR)).padStart(3, '0')}`, `f${String(n).padStart(5, '0')}.txt`)

/** Polls `check` every `everyMs` until true, or throws after `timeoutMs`. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs: number, everyMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(everyMs)
  }
}

export async function largeFolder(peers: [Peer, Peer], dirs: [string, string], opts: { files: number; edits: number; seed: number; timeoutMs: number }): Promise<LargeResult> {
  const { files, seed } = opts
  const r: LargeResult = { files: files + 1, bytes: 0, setupMs: 0, createMs: 0, setupPasses: null, editMs: [], passes: [] }
  for (const d of dirs) await fs.mkdir(d, { recursive: true })
  for (let n = 0; n < files; n += PER_DIR) await fs.mkdir(path.join(dirs[0], path.dirname(relOf(n))), { recursive: true })
  const items = Array.from({ length: files }, (_, n) => n)
  await pool(items, 16, async (n) => {
    const data = content(seed, `large-${n}`, 64 + ((n * 7919) % 448))
    r.bytes += data.length
    await fs.writeFile(path.join(dirs[0], relOf(n)), data)
  })
  const editRel = 'edit.txt'
  const first = content(seed, 'large-edit-base', 1024)
  await fs.writeFile(path.join(dirs[0], editRel), first)
  r.bytes += first.length
  log(`large folder: ${files + 1} files written`)

  const t0 = performance.now()
  const created = await peers[0].call('folders.sync', { path: dirs[0] })
  const joined = await peers[1].call('folders.syncJoin', { invite: created.invite.invite, path: dirs[1], timeoutMs: 120_000 })
  const committed = peers[0].waitSynced(created.folder.id, r.files, r.bytes, opts.timeoutMs).then(() => (r.createMs = performance.now() - t0))
  await peers[1].waitSynced(joined.id, r.files, r.bytes, opts.timeoutMs)
  r.setupMs = performance.now() - t0
  await committed
  r.setupPasses = await peers[1].request('diskPassTime', { folder: joined.id })
  log(`large folder: setup ${r.setupMs.toFixed(0)} ms (device 1 committed all at ${r.createMs.toFixed(0)} ms); device 2 passes ${JSON.stringify(r.setupPasses)}`)

  const target = path.join(dirs[1], editRel)
  for (let i = 0; i < opts.edits; i++) {
    const data = content(seed, `large-edit-${i}`, 1024 + i)
    const before = (await peers[1].request<PassRecord[]>('diskPasses', { folder: joined.id })).at(-1)?.seq ?? 0
    const start = performance.now()
    await fs.writeFile(path.join(dirs[0], editRel), data)
    await until(`large-folder edit ${i} on device 2`, async () => (await fs.readFile(target).catch(() => null))?.equals(data) ?? false, 60_000, 2)
    r.editMs.push(performance.now() - start)
    // The pass that wrote it (its record comes once the pass has ended, after the rename).
    let wrote: PassRecord | undefined
    await until(`the record of the pass that wrote edit ${i}`, async () => {
      const passes = await peers[1].request<PassRecord[]>('diskPasses', { folder: joined.id })
      wrote = passes.find((p) => p.seq > before && p.written > 0)
      return wrote !== undefined
    }, 60_000, 5)
    r.passes.push(wrote!)
    await sleep(250) // let device 1's watcher go quiet before the next edit
  }
  log(`large folder: edits ${r.editMs.map((v) => v.toFixed(0)).join(' ')} ms; passes ${r.passes.map((p) => `${p.mode} ${p.ms.toFixed(0)} ms/${p.examined}`).join(', ')}`)
  return r
}
