import { describe, expect, it } from 'vitest'
import type Hypercore from 'hypercore'
import type Hyperdrive from 'hyperdrive'
import { prefetchContent } from '../../main/engine/drive/content-prefetch.ts'

const blob = (blockOffset: number, blockLength: number): Hyperdrive.Blob => ({ blockOffset, blockLength, byteOffset: blockOffset * 10, byteLength: blockLength * 10 })

/** A content core that records the ranges asked for. */
function recordingCore() {
  const ranges: Array<{ start?: number; end?: number }> = []
  const core = { download: (r: { start?: number; end?: number }) => (ranges.push(r), { destroy() {}, done: async () => {} }) }
  return { core: core as unknown as Hypercore, ranges }
}

describe('prefetchContent', () => {
  it('asks for the blobs of many files as the few runs they make', () => {
    const { core, ranges } = recordingCore()
    // 1,000 files one after another, then two runs apart, out of order, overlapping, and files with no content
    const blobs: Array<Hyperdrive.Blob | null> = Array.from({ length: 1000 }, (_, i) => blob(i, 1))
    blobs.push(blob(2005, 3), blob(2000, 5), blob(2002, 1), null, blob(3000, 0), blob(5000, 2))
    const handles = prefetchContent(core, blobs)
    expect(ranges).toEqual([{ start: 0, end: 1000 }, { start: 2000, end: 2008 }, { start: 5000, end: 5002 }])
    expect(handles).toHaveLength(3)
  })

  it('asks for nothing when no file has content', () => {
    const { core, ranges } = recordingCore()
    expect(prefetchContent(core, [null, undefined, blob(7, 0)])).toEqual([])
    expect(ranges).toEqual([])
  })
})
