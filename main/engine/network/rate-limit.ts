// Device-wide bandwidth limits (`shoal settings --upload-limit/--download-limit`): one token bucket
// per direction, shared by every peer connection, so the limit holds for the whole device however
// many peers and folders there are. A new rate applies at once, also to what is already waiting.

export interface Clock {
  now(): number
  /** Runs fn after ms; returns a cancel function. */
  after(ms: number, fn: () => void): () => void
}

const realClock: Clock = {
  now: () => performance.now(),
  after(ms, fn) {
    const t = setTimeout(fn, ms)
    return () => clearTimeout(t)
  }
}

/** How much may go at once after an idle spell: a tenth of a second's worth keeps every 5 s window within 10%. */
const BURST_SECONDS = 0.1

export class TokenBucket {
  #rate: number
  #tokens = 0
  #last: number
  #waiting: { bytes: number; go: () => void }[] = []
  #cancelTimer: (() => void) | null = null
  readonly #clock: Clock

  /** rate: bytes per second; 0 = no limit. */
  constructor(rate = 0, clock: Clock = realClock) {
    this.#clock = clock
    this.#rate = rate
    this.#last = clock.now()
    this.#tokens = this.#burst
  }

  get rate(): number {
    return this.#rate
  }

  get #burst(): number {
    return this.#rate * BURST_SECONDS
  }

  setRate(rate: number): void {
    this.#refill()
    this.#rate = rate
    this.#tokens = Math.min(this.#tokens, this.#burst)
    this.#cancel()
    this.#pump()
  }

  /**
   * Calls go once these bytes may pass: at once when there is no limit or tokens are left, else
   * in order after what waits already. A chunk larger than what is left still goes when the
   * bucket is not empty, and leaves it in debt: the long-run rate is exact whatever the sizes.
   */
  take(bytes: number, go: () => void): void {
    if (this.#rate === 0 && this.#waiting.length === 0) return go()
    this.#waiting.push({ bytes, go })
    if (this.#cancelTimer === null) this.#pump()
  }

  #refill(): void {
    const now = this.#clock.now()
    if (this.#rate > 0) this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#rate)
    this.#last = now
  }

  #pump(): void {
    this.#refill()
    while (this.#waiting.length > 0 && (this.#rate === 0 || this.#tokens > 0)) {
      const next = this.#waiting.shift()!
      if (this.#rate > 0) this.#tokens -= next.bytes
      next.go()
    }
    if (this.#waiting.length === 0) return
    // Wait until the debt is paid and a little is back; at least 1 ms so timers do not spin.
    const ms = Math.max(1, ((1 - this.#tokens) / this.#rate) * 1000)
    this.#cancelTimer = this.#clock.after(ms, () => {
      this.#cancelTimer = null
      this.#pump()
    })
  }

  #cancel(): void {
    this.#cancelTimer?.()
    this.#cancelTimer = null
  }
}

export interface DeviceLimits {
  upload: TokenBucket
  download: TokenBucket
}

/** The parts of a Hyperswarm connection (a streamx Noise stream) the limits hook into. */
interface LimitedStream {
  push(chunk: Buffer | null): boolean
  _write(data: Buffer, cb: (err?: Error | null) => void): void
  destroying: boolean
  rawStream: { pause(): void; resume(): void }
}

/**
 * Makes a connection's decrypted reads and its writes wait for the device's buckets. Reads: what
 * arrives waits in order before the replication layer sees it, and the raw socket pauses meanwhile
 * (Hypercore only asks for more blocks as it gets them, so the sender slows too). Writes: the
 * stream's write callback waits, so its buffer fills and the layers above see backpressure.
 */
export function limitConnection(conn: unknown, limits: DeviceLimits): void {
  const stream = conn as LimitedStream
  const push = stream.push.bind(stream)
  const write = stream._write.bind(stream)
  let queued = 0
  stream.push = (chunk) => {
    if (queued === 0 && limits.download.rate === 0) return push(chunk)
    queued++
    limits.download.take(chunk ? chunk.byteLength : 0, () => {
      queued--
      if (stream.destroying) return
      const more = push(chunk)
      if (queued === 0 && more) stream.rawStream.resume()
    })
    return false // the raw socket pauses until what waits has passed
  }
  stream._write = (data, cb) => {
    limits.upload.take(data.byteLength, () => {
      if (stream.destroying) return cb(null)
      write(data, cb)
    })
  }
}
