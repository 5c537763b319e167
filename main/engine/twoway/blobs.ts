// File content of a two-way folder: each device writes into its own blobs core and downloads every
// other device's blobs core eagerly (content authored by a device that goes offline stays available).
import { createHash } from 'node:crypto'
import { RegularFile, UnreadableFile } from '../fs/file-read.ts'
import Hyperblobs from 'hyperblobs'
import type Corestore from 'corestore'
import type Hypercore from 'hypercore'
import type { BlobRef } from './ops.ts'
import { DELTA_MIN_BYTES, streamDone, writeChunk } from '../drive/write-stream.ts'
import { contentChunks, READ_BYTES } from '../drive/content-chunks.ts'
import { ShoalError } from '../../../shared/errors.ts'
import { letGo } from '../../../shared/let-go.ts'

interface Remote {
  core: Hypercore
  blobs: Hyperblobs
  range: { destroy(): void } | null
}

export interface Uploaded {
  blob: BlobRef | null
  hash: string
  size: number
}

/** Hyperblobs' id of a blob (the ref without the core's key). */
function blobId(ref: BlobRef): { blockOffset: number; blockLength: number; byteOffset: number; byteLength: number; blockMap?: boolean } {
  const { key: _key, ...id } = ref
  return id
}

export class BlobStore {
  readonly local: Hyperblobs
  #store: Corestore
  #remotes = new Map<string, Remote>()
  #closing = false

  /** Where the eager download of another device's core starts (history pruned before it is not fetched again). */
  readonly #downloadFrom: (keyHex: string) => number

  constructor(store: Corestore, downloadFrom: (keyHex: string) => number = () => 0) {
    this.#store = store
    this.#downloadFrom = downloadFrom
    this.local = new Hyperblobs(store.get({ name: 'blobs' }))
  }

  async ready(): Promise<void> {
    await this.local.ready()
  }

  get key(): string {
    return this.local.core.key!.toString('hex')
  }

  /**
   * Streams a file into this device's blobs core, hashing it on the way, in blocks cut where its
   * content says (content-chunks.ts). Given the blob of the file's version before, if this device
   * wrote it and the file is big, unchanged blocks are not stored again, even after an insert or a
   * deletion: the new blob is a block map reusing them (a device can only point into its own core,
   * so an edit of another device's file is stored whole).
   */
  async uploadFile(abs: string, previous: BlobRef | null = null): Promise<Uploaded> {
    const hasher = createHash('sha256')
    let file: RegularFile
    try {
      // Only a regular file, never past its size at open (a FIFO or /proc file cannot stall it).
      file = await RegularFile.open(abs)
    } catch (err) {
      if (err instanceof UnreadableFile) return { blob: null, hash: '', size: -1 }
      throw err
    }
    const reuse = previous && previous.key === this.key && file.stat.size >= DELTA_MIN_BYTES
    const ws = this.local.createWriteStream(reuse ? { dedup: true, blob: blobId(previous) } : {})
    const done = streamDone(ws)
    let size = 0
    try {
      for await (const buf of contentChunks(file.chunks(READ_BYTES))) {
        hasher.update(buf)
        size += buf.length
        await writeChunk(ws, buf, done)
      }
      ws.end()
    } catch (err) {
      ws.destroy(err as Error)
      await done.catch(letGo) // the stream was destroyed with `err`, handled below
      // Changed while read, or not a real file: nothing uploaded, the caller sees no match and skips it.
      if (err instanceof UnreadableFile) return { blob: null, hash: '', size: -1 }
      throw err
    } finally {
      await file.close()
    }
    await done
    const id = ws.id
    const blob = size === 0 ? null : { key: this.key, blockOffset: id.blockOffset, blockLength: id.blockLength, byteOffset: id.byteOffset, byteLength: id.byteLength, ...(id.blockMap ? { blockMap: true as const } : {}) }
    return { blob, hash: hasher.digest('hex'), size }
  }

  /** Starts (once) a live, eager download of another device's blobs core. */
  track(keyHex: string): void {
    if (this.#closing || keyHex === this.key || this.#remotes.has(keyHex)) return
    const core = this.#store.get({ key: Buffer.from(keyHex, 'hex') })
    const remote: Remote = { core, blobs: new Hyperblobs(core), range: null }
    this.#remotes.set(keyHex, remote)
    core
      .ready()
      .then(() => {
        if (!this.#closing) remote.range = core.download({ start: this.#downloadFrom(keyHex), end: -1 })
      })
      .catch(letGo) // closing meanwhile: the core downloads nothing more
  }

  #blobsFor(keyHex: string): Hyperblobs {
    if (keyHex === this.key) return this.local
    this.track(keyHex)
    return this.#remotes.get(keyHex)!.blobs
  }

  /** The content of a blob; waits for the blocks (up to `timeout` ms without progress). */
  read(ref: BlobRef, timeout = 60_000): AsyncIterable<Uint8Array> {
    return this.#blobsFor(ref.key).createReadStream(blobId(ref), { wait: true, timeout }) as AsyncIterable<Uint8Array>
  }

  /** Whether every block of the blob is here (the disk writer only writes what it can finish). */
  async has(ref: BlobRef): Promise<boolean> {
    if (ref.blockLength === 0) return true
    const blobs = this.#blobsFor(ref.key)
    await blobs.core.ready()
    if (!(await blobs.core.has(ref.blockOffset, ref.blockOffset + ref.blockLength))) return false
    if (!ref.blockMap) return true
    // The map is here: so must be every block it lists (a map that cannot be decoded throws, and
    // the disk writer refuses that path alone).
    const map = await blobs.getBlockMap(blobId(ref))
    if (!map) throw new ShoalError('BAD_ENTRY', 'its block map cannot be read')
    for (const b of map.blocks) if (!(await blobs.core.has(b.index))) return false
    return true
  }

  /** The content core of a device (this one's, or another's, tracked from now on). */
  async coreOf(keyHex: string): Promise<Hypercore> {
    const core = this.#blobsFor(keyHex).core
    await core.ready()
    return core
  }

  /** Blocks held of each known blobs core (devices list: "what they have"). */
  lengths(): Map<string, { length: number; contiguous: number }> {
    const out = new Map<string, { length: number; contiguous: number }>()
    out.set(this.key, { length: this.local.core.length, contiguous: this.local.core.contiguousLength })
    for (const [k, r] of this.#remotes) out.set(k, { length: r.core.length, contiguous: r.core.contiguousLength })
    return out
  }

  async close(): Promise<void> {
    this.#closing = true
    for (const r of this.#remotes.values()) r.range?.destroy()
    await Promise.all([...this.#remotes.values()].map((r) => r.core.close().catch(letGo))) // already closed with the store: fine
    await this.local.close().catch(letGo) // likewise
  }
}
