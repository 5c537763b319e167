import type Hypercore from 'hypercore'
import type Hyperdrive from 'hyperdrive'

// Fetches the content of many files in the background, as few block ranges as their blobs make.
// One download a file (Hyperdrive's downloadDiff) kept a request and its range alive for every
// file of a version until it arrived: 100,000 of them for a first sync of 100,000 small files.
// The blobs of one version mostly follow each other in the content core, so their runs merge.
// A block map (a deduplicated edit) is fetched as the map itself: reading it fetches its blocks.

export function prefetchContent(core: Hypercore, blobs: Iterable<Hyperdrive.Blob | null | undefined>): Array<{ destroy(): void }> {
  const runs: Array<[start: number, end: number]> = []
  for (const b of blobs) if (b && b.blockLength > 0) runs.push([b.blockOffset, b.blockOffset + b.blockLength])
  runs.sort((x, y) => x[0] - y[0])
  const merged: Array<[number, number]> = []
  for (const run of runs) {
    const last = merged[merged.length - 1]
    if (last && run[0] <= last[1]) last[1] = Math.max(last[1], run[1])
    else merged.push(run)
  }
  return merged.map(([start, end]) => core.download({ start, end }))
}
