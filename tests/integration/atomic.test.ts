import fs from 'node:fs/promises'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Worker } from 'node:worker_threads'
import { spawn } from 'node:child_process'
import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import { createTestNetwork, type TestNetwork } from '../helpers/network.ts'
import { writeFiles, waitFor } from '../helpers/files.ts'
import { atomicTestHooks } from '../../main/engine/follow/atomic-versions.ts'
import type { Engine } from '../../main/engine/engine.ts'

// Atomic updates on a receiver (`shoal join --atomic`), over real Hyperswarm on a loopback DHT:
// the folder is a link to complete versions, switched in one rename.

const FILES = 300
const SIZE = 64 * 1024

let net: TestNetwork
beforeEach(async () => {
  net = await createTestNetwork()
})
afterEach(async () => {
  delete atomicTestHooks.onStagedFile
  await net.destroy()
})

/** 300 files of 64 KiB, each starting with its generation ("gen1|"). */
function generation(gen: number): Record<string, Buffer> {
  const files: Record<string, Buffer> = {}
  for (let i = 0; i < FILES; i++) {
    const buf = Buffer.alloc(SIZE, i % 251)
    buf.write(`gen${gen}|f${i}|`)
    files[`f${String(i).padStart(3, '0')}.bin`] = buf
  }
  return files
}

/** Generations seen in one pass over the folder (through the directory it resolved to once). */
async function readPass(folder: string): Promise<{ gens: Set<string>; files: number } | null> {
  try {
    const real = await fs.realpath(folder)
    const names = await fs.readdir(real)
    const gens = new Set<string>()
    const head = Buffer.alloc(8)
    for (const name of names) {
      const fh = await fs.open(path.join(real, name), 'r')
      try {
        await fh.read(head, 0, 8, 0)
      } finally {
        await fh.close()
      }
      gens.add(head.toString('latin1').split('|')[0])
    }
    return { gens, files: names.length }
  } catch {
    return null // an old version removed while we read it: try again
  }
}

// The reader runs on its own thread with synchronous calls, so the engine's work (same event
// loop, same libuv pool) cannot slow it down: it makes hundreds of passes during an update.
const READER = `
const { parentPort, workerData } = require('node:worker_threads')
const fs = require('node:fs')
const path = require('node:path')
let stop = false
parentPort.on('message', () => { stop = true })
const seen = new Set()
const mixed = []
let passes = 0
const head = Buffer.alloc(8)
function pass() {
  let real, names
  const gens = new Set()
  try {
    real = fs.realpathSync(workerData.folder)
    names = fs.readdirSync(real)
    for (const name of names) {
      const fd = fs.openSync(path.join(real, name), 'r')
      try { fs.readSync(fd, head, 0, 8, 0) } finally { fs.closeSync(fd) }
      gens.add(head.toString('latin1').split('|')[0])
    }
  } catch { return }
  if (names.length === 0) return
  passes++
  if (gens.size !== 1 || names.length !== workerData.files) mixed.push([...gens].join(',') + ' in ' + names.length + ' files')
  for (const g of gens) seen.add(g)
}
function loop() {
  for (let i = 0; i < 5 && !stop; i++) pass()
  if (stop) parentPort.postMessage({ passes, mixed, seen: [...seen].sort() })
  else setImmediate(loop)
}
loop()
`

function startReader(folder: string) {
  const worker = new Worker(READER, { eval: true, workerData: { folder, files: FILES } })
  const result = new Promise<{ passes: number; mixed: string[]; seen: string[] }>((resolve, reject) => {
    worker.once('message', resolve)
    worker.once('error', reject)
  })
  return {
    async stop() {
      worker.postMessage('stop')
      const r = await result
      await worker.terminate()
      return r
    }
  }
}

const isComplete = async (folder: string, gen: number) => {
  const pass = await readPass(folder)
  return pass !== null && pass.files === FILES && pass.gens.size === 1 && pass.gens.has(`gen${gen}`)
}

/** Writes a new generation on the publisher as one drive version (paused while files change). */
async function publishGeneration(a: Engine, folder: string, src: string, gen: number) {
  await a.call('folders.pause', { folder })
  await writeFiles(src, generation(gen))
  await a.call('folders.resume', { folder })
}

async function setup() {
  const src = path.join(net.tmp, 'src')
  const dst = path.join(net.tmp, 'dst')
  await fs.mkdir(src, { recursive: true })
  await writeFiles(src, generation(1))
  const a = await net.engine('a')
  const b = await net.engine('b')
  const shared = await a.call('folders.share', { path: src })
  const joined = await b.call('folders.join', { link: shared.link, path: dst, atomic: true })
  await waitFor('first version on the receiver', () => isComplete(dst, 1))
  return { a, b, src, dst, shared, joined }
}

const REPO = path.resolve(import.meta.dirname, '../..')
const CHILD = `
import { Engine } from ${JSON.stringify(path.join(REPO, 'main/engine/engine.ts'))}
import { atomicTestHooks } from ${JSON.stringify(path.join(REPO, 'main/engine/follow/atomic-versions.ts'))}
const [dataDir, bootstrap] = process.argv.slice(2)
atomicTestHooks.onStagedFile = async (staging, written) => {
  if (written !== 100) return
  process.stdout.write('STAGED ' + staging + '\\n')
  await new Promise(() => {})
}
const engine = new Engine({ dataDir, bootstrap: bootstrap.split(','), bind: '127.0.0.1' })
await engine.ready()
process.stdout.write('READY\\n')
`

const versionsDir = (dst: string) => path.join(path.dirname(dst), `.${path.basename(dst)}.shoal-versions`)

describe('atomic updates', () => {
  it('shows the first version complete, through a link Shoal manages, and refuses a non-empty folder', async () => {
    const { b, dst, shared, joined } = await setup()
    expect((await fs.lstat(dst)).isSymbolicLink()).toBe(true)
    expect(await fs.realpath(dst)).toMatch(/\.dst\.shoal-versions[/\\]v\d+$/)
    const expected = generation(1)
    for (const [name, content] of Object.entries(expected)) expect((await fs.readFile(path.join(dst, name))).equals(content)).toBe(true)
    await waitFor('receiver idle', async () => (await b.call('folders.list', {})).find((f) => f.id === joined.id)?.state === 'idle')
    const info = (await b.call('folders.list', {})).find((f) => f.id === joined.id)!
    expect(info.files).toBe(FILES)
    expect(info.version).toBe(info.remoteVersion)

    // Removed and joined again into the same path: the files there are adopted, not conflicts.
    const before = await fs.realpath(dst)
    await b.call('folders.remove', { folder: joined.id })
    const again = await b.call('folders.join', { link: shared.link, path: dst, atomic: true })
    await waitFor('joined again', async () => (await b.call('folders.list', {})).find((f) => f.id === again.id)?.state === 'idle')
    await waitFor('re-checked', async () => (await fs.realpath(dst)) !== before)
    expect(await isComplete(dst, 1)).toBe(true)
    expect((await b.call('folders.list', {})).find((f) => f.id === again.id)!.conflicts).toBe(0)

    const busy = path.join(net.tmp, 'busy')
    await writeFiles(busy, { 'mine.txt': 'keep me' })
    const c = await net.engine('c')
    await expect(c.call('folders.join', { link: shared.link, path: busy, atomic: true })).rejects.toThrow(/not empty/)
    expect(await fs.readFile(path.join(busy, 'mine.txt'), 'utf8')).toBe('keep me')
  })

  it('never lets a reader see files of two versions while a large update is applied', async () => {
    const { a, b, dst, shared, joined } = await setup()
    await waitFor('receiver idle', async () => (await b.call('folders.list', {})).find((f) => f.id === joined.id)?.state === 'idle')
    const first = (await b.call('folders.list', {})).find((f) => f.id === joined.id)!.version
    const reader = startReader(dst)
    await publishGeneration(a, shared.id, path.join(net.tmp, 'src'), 2)
    await waitFor('second version on the receiver', () => isComplete(dst, 2), 120_000)
    await sleep(300) // a few more passes after the switch
    const { passes, mixed, seen } = await reader.stop()
    expect(passes).toBeGreaterThan(10)
    expect(mixed).toEqual([])
    expect(seen).toEqual(['gen1', 'gen2'])

    // Pinned back to the first version: a rollback is one more atomic switch (and back again).
    const rollback = startReader(dst)
    await b.call('folders.pin', { folder: joined.id, version: first })
    await waitFor('rolled back', () => isComplete(dst, 1), 120_000)
    await b.call('folders.unpin', { folder: joined.id })
    await waitFor('latest again', () => isComplete(dst, 2), 120_000)
    const back = await rollback.stop()
    expect(back.mixed).toEqual([])
    expect(back.seen).toEqual(['gen1', 'gen2'])
  })

  it('keeps the folder at version N when the receiver stops mid-update, and completes N+1 when it restarts', async () => {
    const { a, b, dst, shared } = await setup()
    const before = await fs.realpath(dst)
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    let staged!: (dir: string) => void
    const stagedAt = new Promise<string>((resolve) => (staged = resolve))
    atomicTestHooks.onStagedFile = async (staging, written) => {
      if (written !== 100) return
      staged(staging)
      await released
    }
    await publishGeneration(a, shared.id, path.join(net.tmp, 'src'), 2)
    const staging = await stagedAt
    expect((await fs.readdir(staging)).length).toBeGreaterThan(0)
    expect(await isComplete(dst, 1)).toBe(true)

    // "Kill" the receiver while version N+1 is half built.
    const stopping = net.stop(b)
    release()
    await stopping
    delete atomicTestHooks.onStagedFile
    expect(await fs.realpath(dst)).toBe(before)
    expect(await isComplete(dst, 1)).toBe(true)

    // Restarted: the unfinished staging directory is discarded and N+1 is built again.
    await net.engine('b')
    await waitFor('second version after the restart', () => isComplete(dst, 2), 120_000)
    expect(await fs.realpath(dst)).not.toBe(before)
    const left = await fs.readdir(versionsDir(dst))
    expect(left.filter((n) => n.startsWith('staging-'))).toEqual([])
  })

  it('survives a SIGKILL of the receiver process mid-update: still version N, then N+1 after a restart', async () => {
    const { a, b, dst, shared, joined } = await setup()
    const before = await fs.realpath(dst)
    await net.stop(b)
    // The same receiver (data directory) in a child process that blocks once 100 files are staged.
    const script = path.join(net.tmp, 'receiver.mts')
    await fs.writeFile(script, CHILD)
    const child = spawn(process.execPath, ['--import', 'tsx', script, path.join(net.tmp, 'data-b'), net.bootstrap.join(',')], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] })
    const exited = new Promise((resolve) => child.once('exit', resolve))
    let out = ''
    const staged = new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        const m = /STAGED (.+)\n/.exec(out)
        if (m) resolve(m[1])
      })
      child.once('exit', (code) => reject(new Error(`receiver exited (${code}) before staging: ${out}`)))
    })
    staged.catch(() => {}) // awaited below; a child that dies early fails the wait for READY too
    try {
      await waitFor('child receiver ready', () => out.includes('READY') || child.exitCode !== null)
      await publishGeneration(a, shared.id, path.join(net.tmp, 'src'), 2)
      const staging = await staged
      child.kill('SIGKILL')
      await exited
      expect((await fs.readdir(staging)).length).toBeGreaterThan(0)
      expect(await fs.realpath(dst)).toBe(before)
      expect(await isComplete(dst, 1)).toBe(true)
    } finally {
      child.kill('SIGKILL')
    }
    // What a kill just after an update wrote its index leaves: the index of a version that never
    // appeared (and, killed while discarding one, a journal alone).
    const orphan = path.join(net.tmp, 'data-b', 'folders', joined.id, 'index-v77.json')
    await fs.writeFile(orphan, '{"version":1,"meta":{},"entries":[]}')
    await fs.writeFile(`${orphan}.journal`, '')
    await fs.writeFile(path.join(path.dirname(orphan), 'index-v78.json.journal'), '')
    await net.engine('b')
    await waitFor('second version after the restart', () => isComplete(dst, 2), 120_000)
    expect((await fs.readdir(versionsDir(dst))).filter((n) => n.startsWith('staging-'))).toEqual([])
    expect((await fs.readdir(path.dirname(orphan))).filter((n) => /^index-v7[78]\./.test(n))).toEqual([])
  })

  it('keeps local edits and files as conflict copies, never in the next version, and hard-links unchanged files', async () => {
    const { a, dst, shared } = await setup()
    const src = path.join(net.tmp, 'src')
    await fs.writeFile(path.join(dst, 'f000.bin'), 'edited here')
    await fs.writeFile(path.join(dst, 'mine.txt'), 'made here')
    await publishGeneration(a, shared.id, src, 2)
    await waitFor('second version', async () => (await fs.readFile(path.join(dst, 'f001.bin'))).subarray(0, 5).toString() === 'gen2|')
    const names = await fs.readdir(dst)
    expect((await fs.readFile(path.join(dst, 'f000.bin'))).equals(generation(2)['f000.bin'])).toBe(true)
    const kept = names.filter((n) => n.startsWith('f000.sync-conflict-'))
    expect(kept).toHaveLength(1)
    expect(await fs.readFile(path.join(dst, kept[0]), 'utf8')).toBe('edited here')
    expect(await fs.readFile(path.join(dst, 'mine.txt'), 'utf8')).toBe('made here')

    // Edited, but not changed by the next version: the published bytes come back (not a link to the edit).
    await fs.writeFile(path.join(dst, 'f002.bin'), 'edited again')
    const old = await fs.realpath(dst)
    await a.call('folders.pause', { folder: shared.id })
    await writeFiles(src, { 'f299.bin': 'gen3|only this one' })
    await a.call('folders.resume', { folder: shared.id })
    await waitFor('third version', async () => (await fs.readFile(path.join(dst, 'f299.bin'), 'utf8')).startsWith('gen3|'))
    const now = await fs.realpath(dst)
    expect((await fs.readFile(path.join(dst, 'f002.bin'))).equals(generation(2)['f002.bin'])).toBe(true)
    expect((await fs.readdir(dst)).filter((n) => n.startsWith('f002.sync-conflict-'))).toHaveLength(1)
    // An untouched file is the same inode in both versions (a hard link, no copy).
    expect((await fs.stat(path.join(now, 'f003.bin'))).ino).toBe((await fs.stat(path.join(old, 'f003.bin'))).ino)
  })
})
