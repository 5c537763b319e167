import type Hypercore from 'hypercore'
import type Hyperdrive from 'hyperdrive'
import { decode as decodeBlockMap } from 'hyperblobs/lib/block-map.js'

// Which blocks of a drive's content core a file's content uses. A plain blob is a run of blocks; a
// block map (an edit that reused the blocks of the version before) is its own map blocks plus the
// blocks it lists, wherever they are. Retention keeps exactly these for the versions it keeps.

/** Blocks [start, end) holding `bytes` bytes between them. */
export interface BlockRun {
  start: number
  end: number
  bytes: number
}

/**
 * The blocks `blob` uses, read from this device's copy only (never waits for a peer); null when
 * its block map is not here yet, so what it uses cannot be known.
 */
export async function blocksOf(core: Hypercore, blob: Hyperdrive.Blob): Promise<BlockRun[] | null> {
  const own: BlockRun = { start: blob.blockOffset, end: blob.blockOffset + blob.blockLength, bytes: blob.byteLength }
  if (!(blob as { blockMap?: boolean }).blockMap || blob.blockLength === 0) return [own]
  const buffers: Array<Buffer | null> = []
  for (let i = own.start; i < own.end; i++) buffers.push(await core.get(i, { wait: false }))
  let map: ReturnType<typeof decodeBlockMap>
  try {
    map = decodeBlockMap(buffers)
  } catch {
    return [own] // bytes that are no map (a hostile publisher): it lists nothing anyone can read
  }
  if (!map) return null
  return [own, ...map.blocks.map((b) => ({ start: b.index, end: b.index + 1, bytes: b.byteLength }))]
}

/** Whether every block of `blob`'s content is on this device (false: a peer would have to send it). */
export async function contentHere(core: Hypercore, blob: Hyperdrive.Blob): Promise<boolean> {
  if (blob.blockLength === 0) return true
  const runs = await blocksOf(core, blob)
  if (!runs) return false
  for (const run of runs) if (run.end > run.start && !(await core.has(run.start, run.end))) return false
  return true
}
