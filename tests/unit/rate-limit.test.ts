import { describe, expect, it } from 'vitest'
import { TokenBucket, type Clock } from '../../main/engine/network/rate-limit.ts'

// The device-wide bandwidth limit's bucket on a fake clock: what passes in each second, how a new
// rate applies to what already waits, and that no limit means no waiting.

class FakeClock implements Clock {
  time = 0
  #timers: { at: number; fn: () => void }[] = []
  now = () => this.time
  after(ms: number, fn: () => void): () => void {
    const timer = { at: this.time + ms, fn }
    this.#timers.push(timer)
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer)
    }
  }
  /** Moves time on to `to`, running each timer when its time comes. */
  advance(to: number): void {
    for (;;) {
      const next = this.#timers.filter((t) => t.at <= to).sort((a, b) => a.at - b.at)[0]
      if (!next) break
      this.#timers = this.#timers.filter((t) => t !== next)
      this.time = next.at
      next.fn()
    }
    this.time = to
  }
}

/** Offers `chunks` chunks of `size` bytes and records when each passes. */
function offer(bucket: TokenBucket, chunks: number, size: number, clock: FakeClock): number[] {
  const passed: number[] = []
  for (let i = 0; i < chunks; i++) bucket.take(size, () => passed.push(clock.time))
  return passed
}

const inWindow = (passed: number[], from: number, to: number, size: number) => passed.filter((t) => t >= from && t < to).length * size

describe('bandwidth limit token bucket', () => {
  it('lets 1 MB/s through, within 10% in every 5 s window, chunk sizes as replication sends them', () => {
    const clock = new FakeClock()
    const bucket = new TokenBucket(1_000_000, clock)
    const size = 65_600 // a 64 KiB block with its message header
    const passed = offer(bucket, 300, size, clock)
    clock.advance(20_000)
    expect(passed).toHaveLength(300)
    for (let start = 0; start + 5000 <= 15_000; start += 1000) {
      const bytes = inWindow(passed, start, start + 5000, size)
      expect(Math.abs(bytes - 5_000_000) / 5_000_000, `window from ${start} ms: ${bytes} bytes`).toBeLessThan(0.1)
    }
  })

  it('shares one limit between everything that takes from it (all connections of the device)', () => {
    const clock = new FakeClock()
    const bucket = new TokenBucket(500_000, clock)
    const a = offer(bucket, 200, 16_384, clock)
    const b = offer(bucket, 200, 16_384, clock)
    clock.advance(10_000)
    const total = inWindow(a, 0, 10_000, 16_384) + inWindow(b, 0, 10_000, 16_384)
    expect(Math.abs(total - 5_000_000) / 5_000_000).toBeLessThan(0.1)
  })

  it('applies a new rate at once to what already waits: faster, slower, and 0 lets it all through', () => {
    const clock = new FakeClock()
    const bucket = new TokenBucket(100_000, clock)
    const passed = offer(bucket, 1000, 10_000, clock)
    clock.advance(2000)
    const slow = passed.length
    expect(slow).toBeGreaterThanOrEqual(19)
    expect(slow).toBeLessThanOrEqual(22)
    bucket.setRate(1_000_000)
    clock.advance(3000)
    expect(passed.length - slow).toBeGreaterThanOrEqual(95)
    expect(passed.length - slow).toBeLessThanOrEqual(102)
    bucket.setRate(0)
    expect(passed).toHaveLength(1000) // at once, no timer needed
    expect(passed.at(-1)).toBe(3000)
  })

  it('with no limit, lets everything pass synchronously', () => {
    const clock = new FakeClock()
    const bucket = new TokenBucket(0, clock)
    const passed = offer(bucket, 50, 1_000_000, clock)
    expect(passed).toHaveLength(50)
  })

  it('after an idle spell lets only a short burst through at once, not the idle time saved up', () => {
    const clock = new FakeClock()
    const bucket = new TokenBucket(1_000_000, clock)
    clock.advance(60_000)
    const passed = offer(bucket, 100, 10_000, clock)
    expect(passed.length * 10_000).toBeLessThanOrEqual(110_000)
    clock.advance(61_000)
    expect(passed.length * 10_000).toBeLessThanOrEqual(1_120_000)
  })
})
