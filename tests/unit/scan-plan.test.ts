import { describe, it, expect, vi, afterEach } from 'vitest'
import { ScanPlan } from '../../main/engine/folder/scan-plan.ts'

// The order of a folder's scans: the watcher's paths gather into one partial scan, a full scan
// covers them, and a full scan gives way to edits made while it runs, then runs again once the
// watcher is quiet. rescan() callers wait for a full scan that started after they asked.

afterEach(() => {
  vi.useRealTimers()
})

describe('the scans a folder owes', () => {
  it('gathers the watcher paths into one partial scan; a full scan covers them', () => {
    const plan = new ScanPlan()
    plan.request(['/a'])
    plan.request(['/b'])
    expect(plan.next().scan).toEqual(new Set(['/a', '/b']))
    expect(plan.next().scan).toBeNull()
    plan.request(['/a'])
    plan.request(null)
    plan.request(['/c'])
    expect(plan.next().scan).toBe('full')
  })

  it('a full scan gives way to an edit, and runs again a quiet second after the last one', () => {
    vi.useFakeTimers()
    const plan = new ScanPlan()
    plan.request(null)
    expect(plan.next().scan).toBe('full')
    const n = plan.fullStarted()
    expect(plan.givingWay).toBe(false)
    plan.request(['/edit.txt'])
    expect(plan.givingWay).toBe(true)
    plan.fullEnded(n, true)
    expect(plan.next().scan).toEqual(new Set(['/edit.txt'])) // the edit first
    const { scan, restartIn } = plan.next()
    expect(scan).toBeNull()
    expect(restartIn).toBe(1000)
    vi.advanceTimersByTime(1000)
    expect(plan.next().scan).toBe('full')
  })

  it('gives way at most three times, then runs to its end; the next full scan may give way again', () => {
    const plan = new ScanPlan()
    const gave: boolean[] = []
    for (let i = 0; i < 5; i++) {
      const n = plan.fullStarted()
      plan.request([`/f${i}`]) // a file written during every full scan
      gave.push(plan.givingWay)
      plan.fullEnded(n, plan.givingWay)
      plan.next()
    }
    expect(gave).toEqual([true, true, true, false, true])
  })

  it('a rescan waits for a full scan that starts after it asked, not the one already running', async () => {
    const plan = new ScanPlan()
    const running = plan.fullStarted()
    let done = false
    const waiting = plan.afterNextFull().then(() => (done = true))
    plan.fullEnded(running, false)
    await Promise.resolve()
    expect(done).toBe(false)
    const next = plan.fullStarted()
    plan.fullEnded(next, true) // gave way: not an end
    await Promise.resolve()
    expect(done).toBe(false)
    plan.fullEnded(plan.fullStarted(), false)
    await waiting
    expect(done).toBe(true)
  })
})
