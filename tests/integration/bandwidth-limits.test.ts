import fs from 'node:fs/promises'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { describe, it, expect } from 'vitest'
import { networkPerTest } from '../helpers/network.ts'
import { waitFor, waitForSameTree } from '../helpers/files.ts'
import type { Engine } from '../../main/engine/engine.ts'
import type { Follow } from '../../main/engine/follow/follow.ts'

// Device-wide bandwidth limits over real Hyperswarm on a loopback DHT: a receiver's download limit
// and a publisher's upload limit each hold the transfer near the set rate, and lifting the limit
// mid-transfer lets the rest arrive fast. Measured as a network monitor would: the bytes arriving at
// the receiver on the wire, in 1 s samples (`shoal peers` shows the same counters). The figures also
// print what the receiver verified and what it wrote to disk; the file on disk grows in bursts
// (Hypercore fetches a file's blocks in random order and the file is written front to back).

const net = networkPerTest()
const LIMIT = 1_000_000 // 1 MB/s
const FILE = 12_000_000
const WINDOW_SAMPLES = 5 // 5 s windows of 1 s samples

interface Sample { at: number; bytes: number; written: number; wire: number }

interface ContentCore {
  on(event: 'download', fn: (index: number, byteLength: number) => void): void
}

/** Bytes on the wire from all peers, as `shoal peers` shows them. */
const downloaded = async (engine: Engine) => (await engine.call('peers.list', {})).reduce((sum, p) => sum + p.downloadedBytes, 0)
const bytesDone = async (engine: Engine, id: string) => (await engine.call('folders.list', {})).find((f) => f.id === id)!.progress.bytesDone

/** Content bytes the receiver gets from now on. */
async function received(engine: Engine, id: string): Promise<() => number> {
  const core = (await (engine.folders.get(id)!.kind as Follow).drive.getBlobs())!.core as unknown as ContentCore
  let bytes = 0
  core.on('download', (_index, n) => (bytes += n))
  return () => bytes
}

/** Samples the receiver's content bytes once a second, from the first bytes on, `count` times. */
async function sample(engine: Engine, id: string, count: number): Promise<Sample[]> {
  const got = await received(engine, id)
  await waitFor('the transfer to start', () => got() > 0)
  const samples: Sample[] = []
  const start = performance.now()
  for (let i = 0; i < count; i++) {
    samples.push({ at: performance.now(), bytes: got(), written: await bytesDone(engine, id), wire: await downloaded(engine) })
    const next = start + (i + 1) * 1000
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now()))) // a measurement tick, not a wait for an event
  }
  return samples
}

type Measure = 'bytes' | 'wire'

/** Bytes per second over each 5 s window of the samples. */
function windowRates(samples: Sample[], measure: Measure): number[] {
  const rates: number[] = []
  for (let i = 0; i + WINDOW_SAMPLES < samples.length; i++) {
    const [a, b] = [samples[i], samples[i + WINDOW_SAMPLES]]
    rates.push(((b[measure] - a[measure]) / (b.at - a.at)) * 1000)
  }
  return rates
}

async function shareBigFile(limits: { a?: { uploadLimit: number }; b?: { downloadLimit: number } }) {
  const src = path.join(net.tmp, 'src')
  const dst = path.join(net.tmp, 'dst')
  await fs.mkdir(src, { recursive: true })
  await fs.writeFile(path.join(src, 'big.bin'), randomBytes(FILE))
  const a = await net.engine('a')
  const b = await net.engine('b')
  if (limits.a) await a.call('settings.set', limits.a)
  if (limits.b) await b.call('settings.set', limits.b)
  const shared = await a.call('folders.share', { path: src })
  const joined = await b.call('folders.join', { link: shared.link, path: dst })
  return { a, b, src, dst, id: joined.id }
}

async function checkLimitThenLift(b: Engine, id: string, measure: Measure, lift: () => Promise<unknown>, src: string, dst: string, what: string) {
  const samples = await sample(b, id, 8)
  const rates = windowRates(samples, measure)
  const perSecond = (key: Measure | 'written') => samples.slice(1).map((s, i) => s[key] - samples[i][key]).join(', ')
  console.log(`${what}: 5 s windows (B/s) ${rates.map(Math.round).join(', ')}; received per 1 s ${perSecond('bytes')}; written to disk per 1 s ${perSecond('written')}; on the wire per 1 s ${perSecond('wire')}`)
  for (const rate of rates) expect(Math.abs(rate - LIMIT) / LIMIT, `${what}: ${Math.round(rate)} B/s over 5 s`).toBeLessThan(0.1)

  const left = FILE - samples.at(-1)!.written
  expect(left).toBeGreaterThan(2_000_000) // still mid-transfer when the limit goes
  const lifted = performance.now()
  await lift()
  await waitForSameTree(src, dst)
  const seconds = (performance.now() - lifted) / 1000
  console.log(`${what}: after lifting, ${left} bytes in ${seconds.toFixed(2)} s = ${Math.round(left / seconds)} B/s`)
  // At 1 MB/s the rest would take more than 2 s; unlimited, it comes much faster.
  expect(left / seconds).toBeGreaterThan(2 * LIMIT)
}

describe('bandwidth limits', () => {
  it("holds a receiver's download limit within 10% over each 5 s, and lifting it mid-transfer speeds up at once", async () => {
    const { b, src, dst, id } = await shareBigFile({ b: { downloadLimit: LIMIT } })
    expect((await b.call('settings.get', {})).downloadLimit).toBe(LIMIT)
    await checkLimitThenLift(b, id, 'wire', () => b.call('settings.set', { downloadLimit: 0 }), src, dst, 'download limit')
    expect((await b.call('settings.get', {})).downloadLimit).toBe(0)
  })

  it("holds a publisher's upload limit within 10% over each 5 s, and lifting it mid-transfer speeds up at once", async () => {
    const { a, b, src, dst, id } = await shareBigFile({ a: { uploadLimit: LIMIT } })
    await checkLimitThenLift(b, id, 'wire', () => a.call('settings.set', { uploadLimit: 0 }), src, dst, 'upload limit')
  })
})
