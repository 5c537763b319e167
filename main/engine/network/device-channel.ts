// A small Protomux channel ('shoal/device') beside replication on every connection: each side
// opens it with its device name, sends its new name after a rename, and tells a device removed
// from a two-way folder that it was (membership.ts checks who says so). Messages are JSON of at
// most MAX_BYTES; anything else is dropped. The connection's key (Noise) says who sent a
// message; the text says only what the sender claims.

/** Larger messages are dropped unread. */
const MAX_BYTES = 2048
const PROTOCOL = 'shoal/device'

interface EncodeState {
  buffer: Buffer | null
  start: number
  end: number
}

// The rest of the message as JSON (Protomux bounds each message's state, also in batches).
const json = {
  preencode(state: EncodeState, value: unknown) {
    state.end += Buffer.byteLength(JSON.stringify(value))
  },
  encode(state: EncodeState, value: unknown) {
    state.start += state.buffer!.write(JSON.stringify(value), state.start)
  },
  decode(state: EncodeState): unknown {
    const bytes = state.buffer!.subarray(state.start, state.end)
    state.start = state.end
    if (bytes.length > MAX_BYTES) return null
    try {
      return JSON.parse(bytes.toString('utf8'))
    } catch {
      return null
    }
  }
}

interface Message {
  send(value: unknown): void
}
interface Channel {
  open(handshake: unknown): void
  addMessage(opts: { encoding: typeof json; onmessage(value: unknown): void }): Message
  close(): void
}
interface Mux {
  createChannel(opts: { protocol: string; handshake: typeof json; onopen(handshake: unknown): void; onclose(): void }): Channel | null
}

/** What a device says to another when it removed that device from a two-way folder. */
export interface RemovedNotice {
  /** The folder's discovery key (hex). */
  folder: string
  /** Writer key (hex) of the device that removed it. */
  by: string
}

export interface DeviceChannelHandlers {
  name(peer: string, name: unknown): void
  removed(peer: string, notice: RemovedNotice): void
}

const isHex64 = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v)

export class DeviceChannel {
  readonly #channel: Channel | null
  readonly #name: Message | null = null
  readonly #removed: Message | null = null
  /** Folders this connection was already told about (once each). */
  readonly #told = new Set<string>()
  #open = false
  #pending: Array<() => void> = []

  /** `mux`: the connection's Protomux (Corestore's replicate() put it on conn.userData). */
  constructor(mux: unknown, peer: string, ownName: string, on: DeviceChannelHandlers) {
    const channel = (mux as Mux | null)?.createChannel({
      protocol: PROTOCOL,
      handshake: json,
      onopen: (hello) => {
        on.name(peer, (hello as { name?: unknown } | null)?.name)
        this.#open = true
        for (const send of this.#pending.splice(0)) send()
      },
      onclose: () => {
        this.#open = false
        this.#pending = []
      }
    })
    this.#channel = channel ?? null
    if (!channel) return // a duplicate (Protomux refuses a second one): the first one speaks
    this.#name = channel.addMessage({ encoding: json, onmessage: (m) => on.name(peer, (m as { name?: unknown } | null)?.name) })
    this.#removed = channel.addMessage({
      encoding: json,
      onmessage: (m) => {
        const n = m as Partial<RemovedNotice> | null
        if (isHex64(n?.folder) && isHex64(n?.by)) on.removed(peer, { folder: n.folder, by: n.by })
      }
    })
    channel.open({ name: ownName })
  }

  #whenOpen(send: () => void): void {
    if (!this.#channel) return
    if (this.#open) send()
    else if (this.#pending.length < 16) this.#pending.push(send)
  }

  sendName(name: string): void {
    this.#whenOpen(() => this.#name?.send({ name }))
  }

  /** Tells the peer it was removed from a folder; once per folder and connection. */
  sendRemoved(notice: RemovedNotice): void {
    if (this.#told.has(notice.folder)) return
    this.#told.add(notice.folder)
    this.#whenOpen(() => this.#removed?.send(notice))
  }
}
