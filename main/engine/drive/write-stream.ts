import { letGo } from '../../../shared/let-go.ts'
// Writing file content into a Hypercore blob stream. A store that fails (a full data directory)
// errors the stream and never emits 'drain', so a writer that only waits for 'drain' would hang
// forever, and the stream's error would be an unhandled rejection.

/**
 * The size of the blocks a small file's content is stored and sent in (big files, and every file
 * of a two-way folder, are cut by their content around this size: content-chunks.ts). A reader
 * reads whatever blocks a blob has, so older 64 KiB blobs stay readable. Hyperblobs' default of
 * 64 KiB made a receiver spend most of its time on per-block work (RocksDB writes, Merkle nodes,
 * messages, GC). 256 KiB took a 256 MiB file's initial sync from 7.3-12.3 s to 4.7 s here,
 * receiver CPU -30%, at the same peak RSS; 1 MiB was no faster and added ~50 MiB of RSS (requests
 * in flight).
 */
export const BLOCK_BYTES = 256 * 1024

/** Files from this size up reuse the unchanged blocks of their version before (smaller ones are sent whole: a block map would cost about what it saves). */
export const DELTA_MIN_BYTES = 4 * 1024 * 1024

interface BlobStream {
  write(chunk: Uint8Array): boolean
  on(event: string, fn: (...args: unknown[]) => void): unknown
  once(event: string, fn: (...args: unknown[]) => void): unknown
  off(event: string, fn: (...args: unknown[]) => void): unknown
}

/** Settles when the stream finishes or closes (resolve) or fails (reject); safe to await late. */
export function streamDone(ws: BlobStream): Promise<void> {
  const done = new Promise<void>((resolve, reject) => {
    ws.on('finish', () => resolve())
    ws.on('close', () => resolve())
    ws.on('error', (err) => reject(err))
  })
  done.catch(letGo) // handled: callers await it (or writeChunk rejects with it)
  return done
}

/** Writes a chunk; when the stream asks to wait, waits for 'drain', or rejects if the stream fails. */
export async function writeChunk(ws: BlobStream, chunk: Uint8Array, done: Promise<void>): Promise<void> {
  if (ws.write(chunk)) return
  await new Promise<void>((resolve, reject) => {
    const onDrain = () => resolve()
    ws.once('drain', onDrain)
    done.then(
      () => {
        ws.off('drain', onDrain)
        resolve()
      },
      (err: unknown) => {
        ws.off('drain', onDrain)
        reject(err)
      }
    )
  })
}
