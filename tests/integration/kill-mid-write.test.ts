import fs from 'node:fs/promises'
import path from 'node:path'
import { createHash } from 'node:crypto'
import { spawn } from 'node:child_process'
import { describe, it, expect } from 'vitest'
import { networkPerTest, publishedDrive } from '../helpers/network.ts'
import { waitFor, writeFiles } from '../helpers/files.ts'
import { prng } from '../helpers/random.ts'
import type { Engine } from '../../main/engine/engine.ts'

// kill -9 of a receiver in the middle of writing the new version of a big file that the publisher
// edited (sent as a block map: old blocks from its own store, the edited ones from the network).
// The receiver is its own OS process, held by a test hook (safe-write.ts) once the temp file holds
// more than the edited part, then killed with SIGKILL: the file keeps its old bytes, nothing
// partial sits under its name, and a restart on the same data directory completes the new
// version and removes the temp file the kill left.

const net = networkPerTest()

const MIB = 1024 * 1024
const SIZE = 24 * MIB
const EDIT_AT = 12 * MIB + 100_000
/** The receiver is held once its temp file holds at least this much: past the edit, short of the end. */
const HOLD_AT = 14 * MIB
const TEMP = /^\.~shoal-[0-9a-f]{16}\.tmp$/
const REPO = path.resolve(import.meta.dirname, '../..')

const sha = (buf: Buffer) => createHash('sha256').update(buf).digest('hex')
const shaOf = async (file: string) => sha(await fs.readFile(file))
const info = async (engine: Engine, id: string) => (await engine.call('folders.list', {})).find((f) => f.id === id)!

function randomBytes(size: number, seed: number): Buffer {
  const next = prng(seed)
  const buf = Buffer.alloc(size)
  for (let i = 0; i < size; i += 4) buf.writeUInt32LE(Math.floor(next() * 2 ** 32) >>> 0, i)
  return buf
}

/** Names under dir (recursively) that are Shoal temp files. */
async function tempFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter((e) => TEMP.test(e.name)).map((e) => path.join(e.parentPath, e.name))
}

// The receiver's process: the engine on the data directory it is given, and a hook that holds the
// first write whose temp file reaches HOLD_AT bytes and says where it is.
const CHILD = `
import { Engine } from ${JSON.stringify(path.join(REPO, 'main/engine/engine.ts'))}
import { safeWriteTestHooks } from ${JSON.stringify(path.join(REPO, 'main/engine/fs/safe-write.ts'))}
const [dataDir, bootstrap, holdAt] = process.argv.slice(2)
safeWriteTestHooks.onTempWritten = async (tmp, bytes) => {
  if (bytes < Number(holdAt)) return
  process.stdout.write('HELD ' + JSON.stringify({ tmp, bytes }) + '\\n')
  await new Promise(() => {})
}
const engine = new Engine({ dataDir, bootstrap: bootstrap.split(','), bind: '127.0.0.1' })
await engine.ready()
process.stdout.write('READY\\n')
`

describe('kill -9 of a receiver while it writes an edited big file', { timeout: 180_000 }, () => {
  it('leaves the old file intact and no partial file; a restart completes the new version and leaves no temp file', async () => {
    const src = path.join(net.tmp, 'src')
    const dst = path.join(net.tmp, 'dst')
    const original = randomBytes(SIZE, 21)
    await writeFiles(src, { 'big.bin': original, 'small.txt': 'small' })
    const a = await net.engine('a')
    const b = await net.engine('b')
    const shared = await a.call('folders.share', { path: src })
    const joined = await b.call('folders.join', { link: shared.link, path: dst })
    await waitFor('the first copy', async () => {
      const i = await info(b, joined.id)
      return i.state === 'idle' && i.files === 2 && i.version === shared.version
    }, 60_000)
    expect(await shaOf(path.join(dst, 'big.bin'))).toBe(sha(original))
    await net.stop(b)

    // 1 MiB of new bytes in the middle, published while the receiver is away: a block map.
    const edited = Buffer.from(original)
    randomBytes(MIB, 22).copy(edited, EDIT_AT)
    await fs.writeFile(path.join(src, 'big.bin'), edited)
    const published = await a.call('folders.rescan', { folder: shared.id })
    expect(published.version).toBeGreaterThan(shared.version)
    const entry = await publishedDrive(a, shared.id).entry('/big.bin')
    expect((entry?.value.blob as { blockMap?: boolean } | undefined)?.blockMap, 'the edit is published as a block map').toBe(true)

    // The same receiver (data directory) as a process of its own, held mid-write.
    const script = path.join(net.tmp, 'receiver.mts')
    await fs.writeFile(script, CHILD)
    const child = spawn(process.execPath, ['--import', 'tsx', script, path.join(net.tmp, 'data-b'), net.bootstrap.join(','), String(HOLD_AT)], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)))
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    let held: { tmp: string; bytes: number }
    try {
      await waitFor('the receiver holding its write of big.bin', () => /^HELD /m.test(out) || child.exitCode !== null, 90_000).catch((err) => {
        throw new Error(`${(err as Error).message}; receiver output:\n${out}`)
      })
      const m = /^HELD (.+)$/m.exec(out)
      if (!m) throw new Error(`the receiver exited (${child.exitCode}) before writing big.bin; output:\n${out}`)
      held = JSON.parse(m[1]) as { tmp: string; bytes: number }
      child.kill('SIGKILL')
      expect(await exited).toBe('SIGKILL')
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
    }

    // After the kill: the old file, byte for byte, under its name.
    expect(await shaOf(path.join(dst, 'big.bin')), 'big.bin after the kill (must be the old version)').toBe(sha(original))
    expect(await fs.readFile(path.join(dst, 'small.txt'), 'utf8')).toBe('small')
    // It was killed mid-write: a temp file beside big.bin holds the first bytes of the new version,
    // edit included, and is all that is left of the write.
    expect(path.dirname(held.tmp)).toBe(dst)
    expect(path.basename(held.tmp)).toMatch(TEMP)
    expect(held.bytes).toBeGreaterThanOrEqual(HOLD_AT)
    expect(held.bytes).toBeLessThan(SIZE)
    const partial = await fs.readFile(held.tmp)
    expect(partial.length).toBe(held.bytes)
    expect(partial.equals(edited.subarray(0, held.bytes))).toBe(true)
    expect((await fs.readdir(dst)).sort(), 'the folder after the kill').toEqual([path.basename(held.tmp), 'big.bin', 'small.txt'].sort())

    // Restarted on the same data directory: the new version, and no temp file anywhere in the folder.
    const again = await net.engine('b')
    await waitFor('the new version after the restart', async () => {
      const i = await info(again, joined.id)
      return i.state === 'idle' && i.version === published.version
    }, 60_000)
    expect(await shaOf(path.join(dst, 'big.bin')), 'big.bin after the restart (must be the new version)').toBe(sha(edited))
    expect((await fs.readdir(dst)).sort(), 'the folder after the restart').toEqual(['big.bin', 'small.txt'])
    expect(await tempFiles(dst), 'temp files in the folder after the restart').toEqual([])
    expect(await tempFiles(path.join(net.tmp, 'data-b')), 'temp files in the data directory after the restart').toEqual([])
    const end = await info(again, joined.id)
    expect(end.conflicts).toBe(0)
    expect(end.refused).toBe(0)
  })
})
