import { describe, expect, it } from 'vitest'
import { StateLineFilter, eventLine } from '../../main/daemon/event-lines.ts'
import type { ShoalEvent } from '../../shared/events.ts'

// The `shoal run` log for a folder whose deletes the mass-delete guard holds: the line says it once,
// in the app's words, and again only when what is held changes.

const held = (deletes: number, of: number) => `Deletes held: ${deletes} of ${of} files are deleted by the publisher. Everything else is synced; apply the deletes or keep the files (shoal release).`
const state = (s: string, error?: string) => ({ seq: 1, time: new Date(2026, 0, 1, 12, 0, 0).getTime(), type: 'folder-state', folder: 'f', state: s, version: 7, ...(error ? { error } : {}) }) as ShoalEvent

describe('the run log of held deletes', () => {
  it('says "deletes held" and the message, not the state word twice', () => {
    expect(eventLine(state('held', held(150, 200)), () => 'Photos')).toBe(
      '12:00:00 [Photos] deletes held: 150 of 200 files are deleted by the publisher. Everything else is synced; apply the deletes or keep the files (shoal release).'
    )
  })

  it('repeats the line only when the count changes, and says when the folder is released', () => {
    const filter = new StateLineFilter()
    const kept = [state('idle'), state('held', held(150, 200)), state('held', held(150, 200)), state('held', held(170, 200)), state('idle')].map((e) => filter.keep(e))
    expect(kept).toEqual([true, true, false, true, true])
  })
})
