// What every benchmark script does around its measurements: time a step, wait, and tear down
// (every peer process it started, the test network, the temp folder unless --keep).
import fs from 'node:fs/promises'
import { performance } from 'node:perf_hooks'
import { log, type Peer } from './peer-client.ts'

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Runs `fn`; its result and how long it took (ms). */
export async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now()
  const v = await fn()
  return [v, performance.now() - t0]
}

/** Stops every peer (killing one that does not stop), the test network, and removes `tmp` unless kept. */
export async function tearDown(peers: Peer[], testnet: { destroy(): Promise<void> } | null, tmp: string, keep: boolean): Promise<void> {
  await Promise.all(peers.map((p) => p.stop().catch(() => p.kill())))
  await testnet?.destroy().catch(() => {}) // already gone with the peers: nothing left to stop
  if (keep) log(`kept ${tmp}`)
  else await fs.rm(tmp, { recursive: true, force: true })
}

/**
 * Resolves once `file` holds exactly `data`: checked at each waker (the receiver's events) and at
 * least every 5 ms; fails `timeoutMs` after `start` naming `what`.
 */
export async function untilFileHolds(file: string, data: Buffer, start: number, timeoutMs: number, wakers: Set<() => void>, what: string): Promise<void> {
  for (;;) {
    const now = await fs.readFile(file).catch(() => null)
    if (now && now.equals(data)) return
    if (performance.now() > start + timeoutMs) throw new Error(`${what} did not reach the receiver within ${timeoutMs} ms`)
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t)
        wakers.delete(done)
        resolve()
      }
      const t = setTimeout(done, 5)
      wakers.add(done)
    })
  }
}
