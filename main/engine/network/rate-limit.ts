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

/** The parts of a Hyperswarm connection's raw socket (a streamx UDX stream) the limits hook into. */
interface RawStream {
  push(chunk: Buffer | null): boolean
  _writev(buffers: Buffer[], cb: (err?: Error | null) => void): void
  destroying: boolean
}

/** Writes go out in slices this big, so a big batch of blocks cannot pass as one lump. */
const SLICE_BYTES = 16 * 1024

/**
 * Makes a connection's raw socket wait for the device's buckets, below the encryption: there the
 * bytes are a plain stream that can be cut anywhere, whereas one encrypted message may carry a
 * whole batch of blocks (megabytes). Reads: what arrives waits in order before it is decrypted
 * and replicated (Hypercore asks for more blocks only as it gets them, so the sender slows too).
 * Writes: the socket's write callback waits, so the layers above see backpressure.
 */
export function limitConnection(conn: unknown, limits: DeviceLimits): void {
  const raw = (conn as { rawStream?: RawStream }).rawStream
  if (!raw) return
  const push = raw.push.bind(raw)
  const writev = raw._writev.bind(raw)
  let waiting = 0
  raw.push = (chunk) => {
    if (waiting === 0 && limits.download.rate === 0) return push(chunk)
    waiting++
    limits.download.take(chunk ? chunk.byteLength : 0, () => {
      waiting--
      if (!raw.destroying) push(chunk)
    })
    return true
  }
  raw._writev = (buffers, cb) => {
    if (limits.upload.rate === 0) return writev(buffers, cb)
    const slices = buffers.flatMap((b) => sliced(b))
    let next = 0
    const writeNext = (err?: Error | null) => {
      if (err || next === slices.length || raw.destroying) return cb(err ?? null)
      const slice = slices[next++]
      limits.upload.take(slice.byteLength, () => (raw.destroying ? cb(null) : writev([slice], writeNext)))
    }
    writeNext()
  }
}

function sliced(buffer: Buffer): Buffer[] {
  const slices: Buffer[] = []
  for (let at = 0; at < buffer.byteLength; at += SLICE_BYTES) slices.push(buffer.subarray(at, at + SLICE_BYTES))
  return slices
}
