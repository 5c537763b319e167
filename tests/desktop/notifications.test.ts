import { describe, expect, it } from 'vitest'
import { NotificationGate, noticeKey, notificationFor } from '../../main/desktop/notifications.ts'
import type { ShoalEvent } from '../../shared/events.ts'

const ev = (e: Record<string, unknown>) => ({ seq: 1, time: 0, ...e }) as ShoalEvent

describe('notificationFor', () => {
  it('tells about conflicts, with the path and where the local copy went', () => {
    const event = ev({ type: 'file-changed', folder: 'f', path: '/report.docx', action: 'conflict', direction: 'in', detail: 'local file kept as report.sync-conflict-1.docx' })
    expect(notificationFor(event, 'Work')).toEqual({ title: 'Conflict in Work', body: '/report.docx: local file kept as report.sync-conflict-1.docx' })
  })

  it('stays quiet about ordinary file changes', () => {
    for (const action of ['added', 'changed', 'deleted', 'renamed', 'restored', 'refused']) {
      expect(notificationFor(ev({ type: 'file-changed', folder: 'f', path: '/a', action, direction: 'in' }), 'Work'), action).toBeNull()
    }
  })

  it('tells about errors, of a folder or of the app', () => {
    expect(notificationFor(ev({ type: 'error', folder: 'p', code: 'DISK_FULL', message: 'The disk is full' }), 'Photos')).toEqual({
      title: 'Shoal: error in Photos',
      body: 'The disk is full'
    })
    expect(notificationFor(ev({ type: 'error', code: 'INTERNAL', message: 'x' }), 'Shoal')).toEqual({ title: 'Shoal: error', body: 'x' })
  })

  it('tells when a followed folder finished its first download', () => {
    const idle = ev({ type: 'folder-state', folder: 'p', state: 'idle', version: 4 })
    expect(notificationFor(idle, 'Photos', { kind: 'follow', settledVersion: 0 })).toEqual({
      title: 'Photos is ready',
      body: expect.stringContaining('first download of Photos has finished')
    })
  })

  it('does not repeat that for later versions, published folders, other states or unknown folders', () => {
    const idle = ev({ type: 'folder-state', folder: 'p', state: 'idle', version: 4 })
    expect(notificationFor(idle, 'Photos', { kind: 'follow', settledVersion: 3 })).toBeNull()
    expect(notificationFor(idle, 'Photos', { kind: 'publish', settledVersion: 0 })).toBeNull()
    expect(notificationFor(idle, 'Photos')).toBeNull()
    expect(notificationFor(ev({ type: 'folder-state', folder: 'p', state: 'idle', version: 0 }), 'Photos', { kind: 'follow', settledVersion: 0 })).toBeNull()
    expect(notificationFor(ev({ type: 'folder-state', folder: 'p', state: 'syncing', version: 4 }), 'Photos', { kind: 'follow', settledVersion: 0 })).toBeNull()
  })

  it('tells once when a folder starts holding deletes: how many, of how many, from whom', () => {
    const row = (held?: Record<string, unknown>) => ({ id: 'p', name: 'Photos', kind: 'follow', state: held ? 'held' : 'idle', ...(held ? { held } : {}) })
    const fromPublisher = { deletes: 150, of: 200, from: 'the publisher', local: false, since: 1000 }
    const updated = (held?: Record<string, unknown>) => ev({ type: 'folder-updated', folder: 'p', info: row(held) })
    expect(notificationFor(updated(fromPublisher), 'Photos', { kind: 'follow', settledVersion: 3 })).toEqual({
      title: 'Deletes held in Photos',
      body: '150 of 200 files are deleted by the publisher; nothing was deleted here. Open Shoal to apply the deletes or keep the files.'
    })
    // The same held deletes again (the row comes on every update), none held, or not known before: quiet.
    expect(notificationFor(updated(fromPublisher), 'Photos', { kind: 'follow', settledVersion: 3, heldSince: 1000 })).toBeNull()
    expect(notificationFor(updated(), 'Photos', { kind: 'follow', settledVersion: 3, heldSince: 1000 })).toBeNull()
    expect(notificationFor(updated(fromPublisher), 'Photos')).toBeNull()
    // Deletes held again after the user answered the first ones: told again.
    expect(notificationFor(updated({ ...fromPublisher, deletes: 120, since: 5000 }), 'Photos', { kind: 'follow', settledVersion: 4 })?.title).toBe('Deletes held in Photos')
    // This device's own scan: nothing was published.
    expect(notificationFor(updated({ deletes: 2500, of: 3000, from: 'this device', local: true, since: 7 }), 'Photos', { kind: 'publish', settledVersion: 9 })).toEqual({
      title: 'Deletes held in Photos',
      body: '2,500 of 3,000 files were deleted on this device; nothing of it was published. Open Shoal to apply the deletes or keep the files.'
    })
  })

  it('ignores the rest of the event stream', () => {
    for (const e of [
      ev({ type: 'peers', peers: [] }),
      ev({ type: 'peer-joined', peer: 'x' }),
      ev({ type: 'warning', folder: 'f', message: 'w' }),
      ev({ type: 'folder-added', folder: 'f' }),
      ev({ type: 'progress', folder: 'f', progress: { filesNeeded: 1, filesDone: 0, bytesNeeded: 1, bytesDone: 0, rate: 0, peers: 1 } })
    ]) {
      expect(notificationFor(e, 'F'), e.type).toBeNull()
    }
  })
})

describe('NotificationGate', () => {
  it('admits one notice per key per interval and counts what it held back', () => {
    const gate = new NotificationGate(1000)
    const n = { title: 'Conflict in Work', body: '/a' }
    expect(gate.admit('k', n, 0)).toEqual(n)
    expect(gate.admit('k', n, 100)).toBeNull()
    expect(gate.admit('k', n, 200)).toBeNull()
    expect(gate.admit('other', n, 300)).toEqual(n)
    expect(gate.admit('k', { title: 'Conflict in Work', body: '/b' }, 1500)).toEqual({ title: 'Conflict in Work', body: '/b (and 2 more since the last notice)' })
    expect(gate.admit('k', n, 3000)).toEqual(n)
  })

  it('keys notices by type and folder', () => {
    expect(noticeKey(ev({ type: 'error', folder: 'a', code: 'X', message: 'm' }))).toBe('error:a')
    expect(noticeKey(ev({ type: 'error', code: 'X', message: 'm' }))).toBe('error:-')
    expect(noticeKey(ev({ type: 'file-changed', folder: 'a', path: '/x', action: 'conflict', direction: 'in' }))).toBe('file-changed:a')
  })
})
