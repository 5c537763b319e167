// Bytes per second over a sliding window, for progress bars and time-left estimates.
export class RateMeter {
  #samples: Array<[number, number]> = []
  readonly windowMs: number

  constructor(windowMs = 5000) {
    this.windowMs = windowMs
  }

  add(bytes: number, now = Date.now()): void {
    this.#samples.push([now, bytes])
    this.#trim(now)
  }

  rate(now = Date.now()): number {
    this.#trim(now)
    if (this.#samples.length === 0) return 0
    const total = this.#samples.reduce((sum, [, b]) => sum + b, 0)
    const span = Math.max(1000, now - this.#samples[0][0])
    return Math.round((total * 1000) / span)
  }

  #trim(now: number): void {
    while (this.#samples.length && now - this.#samples[0][0] > this.windowMs) this.#samples.shift()
  }
}
