import type Hyperdrive from 'hyperdrive'
import type Hypercore from 'hypercore'
import { blocksOf } from './content-blocks.ts'

// A receiver may keep no second copy of what it wrote to its folder (FolderConfig.storeCopy false):
// the content's blocks leave its store once the files are on disk. Block maps stay (a few bytes),
// so history and retention still know which blocks a version uses. Such a device no longer serves
// that content, restores it from peers, and downloads a changed big file whole.

/** Removes the content of `entries` from this device's store; returns about how many bytes. */
export async function dropStoredContent(drive: Hyperdrive, entries: Iterable<Hyperdrive.Entry>): Promise<number> {
  const core = ((await drive.getBlobs()) as { core: Hypercore }).core
  let bytes = 0
  for (const entry of entries) {
    const blob = entry.value.blob
    if (!blob || blob.blockLength === 0 || entry.value.linkname) continue
    const runs = await blocksOf(core, blob)
    if (!runs) continue
    // A block map's own blocks are its first run: kept.
    for (const run of (blob as { blockMap?: boolean }).blockMap ? runs.slice(1) : runs) {
      if (!(await core.has(run.start, run.end))) continue
      await core.clear(run.start, run.end)
      bytes += run.bytes
    }
  }
  return bytes
}
