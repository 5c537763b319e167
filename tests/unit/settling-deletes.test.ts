import { describe, it, expect, vi, afterEach } from 'vitest'
import { SettlingDeletes, MAX_WAIT_MS } from '../../main/engine/folder/settling-deletes.ts'

// An `rm -rf` reaches the folder in many watcher batches: none of its deletes goes out with a
// partial scan; one full scan, after deletes stop arriving, sends (or holds) them as one change.

afterEach(() => {
  vi.useRealTimers()
})

const del = (path: string) => ({ type: 'delete', path })
const add = (path: string) => ({ type: 'add', path })

describe('deletes settling before they are sent', () => {
  it('keeps deletes out of partial scans and asks for one full scan a quiet second after the last', () => {
    vi.useFakeTimers()
    let fullScans = 0
    const s = new SettlingDeletes(() => fullScans++, 1000)
    expect(s.partial([add('/before')])).toEqual([add('/before')]) // nothing waits: sent at once
    expect(s.partial([del('/a')])).toEqual([])
    vi.advanceTimersByTime(900)
    expect(s.partial([del('/b')])).toEqual([])
    vi.advanceTimersByTime(900)
    expect(fullScans).toBe(0) // still arriving
    vi.advanceTimersByTime(100)
    expect(fullScans).toBe(1)
    expect(s.waiting).toBe(true)
    s.full()
    expect(s.waiting).toBe(false)
    vi.advanceTimersByTime(5000)
    expect(fullScans).toBe(1)
  })

  it('holds every change while deletes wait: a file that replaces a deleted folder goes out with its deletes', () => {
    vi.useFakeTimers()
    let fullScans = 0
    const s = new SettlingDeletes(() => fullScans++, 1000)
    expect(s.partial([del('/x/inside.txt'), add('/other')])).toEqual([])
    expect(s.partial([add('/x')])).toEqual([])
    vi.advanceTimersByTime(1000)
    expect(fullScans).toBe(1)
  })

  it('does not count a slow scan as quiet: the second starts again when it ends', () => {
    vi.useFakeTimers()
    let fullScans = 0
    const s = new SettlingDeletes(() => fullScans++, 1000)
    s.partial([del('/a')])
    vi.advanceTimersByTime(500)
    s.scanning() // a scan that takes 3 s on a busy machine
    vi.advanceTimersByTime(3000)
    expect(fullScans).toBe(0)
    s.partial([])
    vi.advanceTimersByTime(999)
    expect(fullScans).toBe(0)
    vi.advanceTimersByTime(1)
    expect(fullScans).toBe(1)
  })

  it('waits no longer than the cap while changes keep coming', () => {
    vi.useFakeTimers()
    let fullScans = 0
    const s = new SettlingDeletes(() => fullScans++, 1000)
    s.partial([del('/a')])
    for (let t = 0; t < MAX_WAIT_MS; t += 500) {
      vi.advanceTimersByTime(500)
      if (fullScans) break
      s.scanning()
      s.partial([add('/log.txt')]) // a file written every half second
    }
    expect(fullScans).toBe(1)
  })

  it('asks nothing when no delete waits, and nothing after close', () => {
    vi.useFakeTimers()
    let fullScans = 0
    const s = new SettlingDeletes(() => fullScans++, 1000)
    s.partial([add('/a')])
    vi.advanceTimersByTime(2000)
    expect(fullScans).toBe(0)
    s.partial([del('/a')])
    s.close()
    vi.advanceTimersByTime(2000)
    expect(fullScans).toBe(0)
  })
})
