// Entries of a followed drive are bytes a publisher chose: any of them may be malformed JSON, the
// wrong shape, or point at content that does not exist. Everything a receiver reads from a remote
// drive's index goes through here, so one bad entry is refused on its own (with a reason) and
// never stops the rest of a version.
import type Hyperdrive from 'hyperdrive'
import type Hypercore from 'hypercore'
import { ShoalError } from '../../../shared/errors.ts'
import { letGo } from '../../../shared/let-go.ts'
import { entrySize } from './drive-metadata.ts'
import { show } from '../fs/paths.ts'

export type EntryCheck = { ok: true; entry: Hyperdrive.Entry } | { ok: false; reason: string }

interface RawNode {
  seq: number
  key: string
  value: Uint8Array | null
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0

function readBlob(v: unknown): Hyperdrive.Blob | null | undefined {
  if (v === null || v === undefined) return null
  if (!isObject(v)) return undefined
  const { blockOffset, blockLength, byteOffset, byteLength } = v
  if (!isCount(blockOffset) || !isCount(blockLength) || !isCount(byteOffset) || !isCount(byteLength)) return undefined
  // Deduplicated blobs (a block map) are read by Hyperblobs from the map; keep it as it came.
  return { ...(v as object), blockOffset, blockLength, byteOffset, byteLength } as Hyperdrive.Blob
}

/** Decodes one raw index node (value as bytes) into an entry, or says why it is refused. */
export function decodeEntry(node: RawNode): EntryCheck {
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(node.value ?? []).toString('utf8'))
  } catch {
    return { ok: false, reason: 'its entry is not valid JSON' }
  }
  if (!isObject(value)) return { ok: false, reason: 'its entry is not an object' }
  const { executable = false, linkname = null, metadata = null } = value
  if (typeof executable !== 'boolean') return { ok: false, reason: 'its entry has a malformed "executable" field' }
  if (linkname !== null && typeof linkname !== 'string') return { ok: false, reason: 'its entry has a malformed link target' }
  const blob = readBlob(value.blob)
  if (blob === undefined) return { ok: false, reason: 'its entry has a malformed content pointer' }
  return { ok: true, entry: { seq: node.seq, key: node.key, value: { executable, linkname, blob, metadata } } }
}

export interface DiffItem {
  key: string
  /** The entry in the newer version (null: deleted), or why it is refused. */
  left: EntryCheck | null
  /** Whether the older version had the key (its value is not needed and may be malformed too). */
  existed: boolean
}

/** The changes of `snapshot` since version `from`, with every new entry decoded and checked here. */
export async function* readDiff(snapshot: Hyperdrive, from: number): AsyncGenerator<DiffItem> {
  const diff = snapshot.diff(from, undefined, { valueEncoding: 'binary' }) as unknown as AsyncIterable<{ left: RawNode | null; right: RawNode | null }>
  for await (const { left, right } of diff) {
    const key = (left ?? right)!.key
    yield { key, left: left ? decodeEntry(left) : null, existed: right !== null }
  }
}

/** The entry at `drivePath` in `snapshot`, decoded here; null when the path does not exist there. */
export async function readEntry(snapshot: Hyperdrive, drivePath: string): Promise<EntryCheck | null> {
  // A one-key range read: Hyperbee 2.27's get() was seen returning deleted keys (STACK.md).
  const range = (snapshot as unknown as { entries(range: unknown, opts: unknown): AsyncIterable<RawNode> }).entries({ gte: drivePath, lte: drivePath }, { valueEncoding: 'binary' })
  for await (const node of range) return decodeEntry(node)
  return null
}

/** Hyperblobs refuses larger block maps. */
const MAX_MAP_BLOCKS = 64
/** Hypercore's suggested largest block (Shoal's own are at most 1 MiB: content-chunks.ts). */
const MAX_BLOCK_BYTES = 15 * 1024 * 1024

/**
 * Why the content an entry points at cannot be what it claims, judged against the content core as
 * known now (its length and byte length come signed from the publisher), or null. A pointer past
 * the end, or a size larger than everything stored, would otherwise wait forever for data that
 * does not exist, or announce a terabyte.
 */
export function contentProblem(entry: Pick<Hyperdrive.Entry, 'value'>, content: Pick<Hypercore, 'length' | 'byteLength'>): string | null {
  const blob = entry.value.blob
  if (!blob || blob.byteLength === 0) return null
  if (blob.blockOffset + blob.blockLength > content.length) {
    return `its content points past the end of what the publisher stored (block ${blob.blockOffset + blob.blockLength} of ${content.length})`
  }
  if ((blob as { blockMap?: boolean }).blockMap) {
    // A block map lists blocks (each at least 2 bytes of map) that may repeat: its claim is
    // bounded by what the map could list, and the bytes read are checked against it.
    if (blob.blockLength > MAX_MAP_BLOCKS) return `its block map is too large (${blob.blockLength} blocks)`
    const size = entrySize(entry)
    if (size > (blob.byteLength / 2) * MAX_BLOCK_BYTES) return `its size (${size} bytes) is more than its block map can hold`
    return null
  }
  if (blob.byteOffset + blob.byteLength > content.byteLength) {
    return `its size (${blob.byteLength} bytes) is more than the publisher stored`
  }
  return null
}

interface BlobReader {
  createReadStream(blob: Hyperdrive.Blob, opts: { wait: boolean; timeout: number }): AsyncIterable<Uint8Array> & { destroy(err?: Error): void; once(event: 'close', fn: () => void): void; on(event: 'error', fn: (err: unknown) => void): void }
}

/**
 * The bytes of `blob`, read straight from the content core (not by path, which would look the
 * entry up again). Each block waits at most `stallMs` for a peer to send it, then the read fails
 * with Hypercore's REQUEST_TIMEOUT (see isStalled).
 */
export async function readContent(snapshot: Hyperdrive, drivePath: string, blob: Hyperdrive.Blob, stallMs: number, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
  const blobs = (await snapshot.getBlobs()) as unknown as BlobReader
  const stream = blobs.createReadStream(blob, { wait: true, timeout: stallMs })
  // Pausing or closing the folder ends a read that waits for a block, instead of waiting it out.
  if (signal) {
    const stop = () => {
      // The stop may come before anyone reads the stream (the write is still opening its temp
      // file): streamx then emits the error to no listener, which throws it at no one.
      stream.on('error', letGo)
      stream.destroy(new ShoalError('TIMEOUT', 'Stopped: the folder was paused or closed'))
    }
    if (signal.aborted) stop()
    else {
      signal.addEventListener('abort', stop, { once: true })
      // One signal serves every read of a folder: a listener left behind per file would pile up.
      stream.once('close', () => signal.removeEventListener('abort', stop))
    }
  }
  return (blob as { blockMap?: boolean }).blockMap ? mapReadErrors(stream, drivePath) : stream
}

/**
 * A block map is bytes the publisher chose: one that cannot be decoded (Hyperblobs throws plain
 * errors, even RangeError, for it) refuses that entry alone instead of failing the folder. Stalls
 * and stops keep their own meaning.
 */
async function* mapReadErrors(stream: AsyncIterable<Uint8Array>, drivePath: string): AsyncGenerator<Uint8Array> {
  try {
    yield* stream
  } catch (err) {
    if (isStalled(err) || err instanceof ShoalError) throw err
    throw new ShoalError('BAD_ENTRY', `${show(drivePath)}: its block map cannot be read (${err instanceof Error ? err.message : String(err)})`)
  }
}

/** True for the error of a read that no peer answered in time (readContent's stall timeout, as Hypercore or toShoalError names it). */
export function isStalled(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return code === 'REQUEST_TIMEOUT' || code === 'BLOCK_NOT_AVAILABLE' || code === 'TIMEOUT'
}
