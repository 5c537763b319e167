import { describe, expect, it } from 'vitest'
import { pauseAllAction, trayState, TOOLTIP_MAX, TRAY_ICON } from '../../main/desktop/tray-state.ts'
import { FolderTable } from '../../main/desktop/folder-table.ts'
import type { FolderInfo } from '../../shared/folder.ts'
import type { ShoalEvent } from '../../shared/events.ts'

const NO_PROGRESS = { filesNeeded: 0, filesDone: 0, bytesNeeded: 0, bytesDone: 0, rate: 0, peers: 1 }

function folder(over: Partial<FolderInfo> & { id: string }): FolderInfo {
  return {
    name: over.id,
    path: `/home/u/${over.id}`,
    kind: 'publish',
    key: 'k'.repeat(64),
    link: 'shoal://x',
    version: 3,
    remoteVersion: 3,
    state: 'idle',
    paused: false,
    progress: NO_PROGRESS,
    files: 10,
    bytes: 1000,
    conflicts: 0,
    refused: 0,
    ...over
  }
}

describe('trayState', () => {
  it('says when everything is up to date', () => {
    const view = trayState([folder({ id: 'a' }), folder({ id: 'b' }), folder({ id: 'c' })])
    expect(view).toEqual({ state: 'up-to-date', tooltip: 'Shoal — 3 folders up to date', progress: null })
    expect(trayState([folder({ id: 'a' })]).tooltip).toBe('Shoal — 1 folder up to date')
  })

  it('shows syncing with a byte-weighted percentage', () => {
    const view = trayState([
      folder({ id: 'a', state: 'syncing', progress: { ...NO_PROGRESS, bytesNeeded: 1000, bytesDone: 250 } }),
      folder({ id: 'b', state: 'scanning', progress: { ...NO_PROGRESS, bytesNeeded: 1000, bytesDone: 650 } }),
      folder({ id: 'c' })
    ])
    expect(view).toEqual({ state: 'syncing', tooltip: 'Shoal — syncing 2 folders, 45%', progress: 0.45 })
  })

  it('falls back to files, and to no percentage when nothing is measured yet', () => {
    const byFiles = trayState([folder({ id: 'a', state: 'syncing', progress: { ...NO_PROGRESS, filesNeeded: 4, filesDone: 1 } })])
    expect(byFiles.progress).toBe(0.25)
    const unknown = trayState([folder({ id: 'a', state: 'syncing' })])
    expect(unknown).toEqual({ state: 'syncing', tooltip: 'Shoal — syncing 1 folder', progress: null })
  })

  it('keeps progress within 0..1 whatever the counters say', () => {
    const view = trayState([folder({ id: 'a', state: 'syncing', progress: { ...NO_PROGRESS, bytesNeeded: 10, bytesDone: 50 } })])
    expect(view.progress).toBe(1)
  })

  it('lets an error beat syncing, and names the folder and the message', () => {
    const view = trayState([
      folder({ id: 'a', state: 'syncing', progress: { ...NO_PROGRESS, bytesNeeded: 10, bytesDone: 5 } }),
      folder({ id: 'p', name: 'Photos', state: 'error', error: 'The disk is full' }),
      folder({ id: 'd', name: 'Docs', state: 'error', error: 'gone' })
    ])
    expect(view.state).toBe('error')
    expect(view.tooltip).toBe('Shoal — error in Photos: The disk is full (and 1 other folder)')
    expect(view.progress).toBeNull()
  })

  it('shows held deletes before everything else, like an error, naming the folder and the count', () => {
    const held = folder({ id: 'p', name: 'Photos', state: 'held', error: 'Deletes held: ...', held: { deletes: 150, of: 200, from: 'the publisher', local: false, since: 1 } })
    expect(trayState([folder({ id: 'a' }), held])).toEqual({ state: 'held', tooltip: 'Shoal — deletes held in Photos: 150 of 200 files', progress: null })
    // Before an error and a sync: the error is counted in the tooltip.
    const view = trayState([
      folder({ id: 'a', state: 'syncing', progress: { ...NO_PROGRESS, bytesNeeded: 10, bytesDone: 5 } }),
      folder({ id: 'd', name: 'Docs', state: 'error', error: 'gone' }),
      held,
      { ...held, id: 'q', name: 'Music' }
    ])
    expect(view).toEqual({ state: 'held', tooltip: 'Shoal — deletes held in Photos: 150 of 200 files (and 1 other folder); 1 folder with an error', progress: null })
    // Paused, the folder still holds them.
    expect(trayState([{ ...held, paused: true, state: 'paused' }]).state).toBe('held')
    // The picture is the error's: both need the user.
    expect(TRAY_ICON.held).toBe(TRAY_ICON.error)
  })

  it('lets syncing beat paused, and paused beat up to date', () => {
    const paused = folder({ id: 'p', paused: true, state: 'paused' })
    expect(trayState([paused, folder({ id: 'a', state: 'syncing' })]).state).toBe('syncing')
    expect(trayState([paused, folder({ id: 'a' })])).toEqual({ state: 'paused', tooltip: 'Shoal — 1 folder paused, 1 up to date', progress: null })
    expect(trayState([paused]).tooltip).toBe('Shoal — 1 folder paused')
  })

  it('a paused folder that is still marked syncing does not count as syncing', () => {
    expect(trayState([folder({ id: 'p', paused: true, state: 'syncing' })]).state).toBe('paused')
  })

  it('is idle-offline with no folders or while waiting for peers', () => {
    expect(trayState([])).toEqual({ state: 'idle-offline', tooltip: 'Shoal — no folders yet', progress: null })
    expect(trayState([folder({ id: 'a' }), folder({ id: 'f', kind: 'follow', state: 'waiting' })])).toEqual({
      state: 'idle-offline',
      tooltip: 'Shoal — waiting for peers (1 folder)',
      progress: null
    })
  })

  it('cuts long tooltips to what Windows shows', () => {
    const view = trayState([folder({ id: 'p', state: 'error', error: 'x'.repeat(500) })])
    expect(view.tooltip.length).toBe(TOOLTIP_MAX)
    expect(view.tooltip.endsWith('…')).toBe(true)
  })
})

describe('pauseAllAction', () => {
  it('pauses the running folders, or resumes all once all are paused', () => {
    const a = folder({ id: 'a' })
    const b = folder({ id: 'b', paused: true, state: 'paused' })
    expect(pauseAllAction([a, b])).toEqual({ label: 'Pause all', method: 'folders.pause', folders: ['a'] })
    expect(pauseAllAction([{ ...a, paused: true }, b])).toEqual({ label: 'Resume all', method: 'folders.resume', folders: ['a', 'b'] })
    expect(pauseAllAction([])).toEqual({ label: 'Pause all', method: 'folders.pause', folders: [] })
    // The state event arrives before the row's flag: it already counts as paused.
    expect(pauseAllAction([{ ...a, state: 'paused' }]).label).toBe('Resume all')
  })
})

describe('FolderTable', () => {
  const ev = (e: Record<string, unknown>) => ({ seq: 1, time: 0, ...e }) as ShoalEvent

  it('follows state, progress, updates and removals from events', () => {
    const table = new FolderTable()
    table.reset([folder({ id: 'a', name: 'Photos' })])
    expect(table.name('a')).toBe('Photos')
    expect(table.name('zzz')).toBe('zzz')
    expect(table.name(undefined)).toBe('Shoal')

    expect(table.apply(ev({ type: 'folder-state', folder: 'a', state: 'error', error: 'bad', version: 3 }))).toBe(false)
    expect(trayState(table.list()).tooltip).toBe('Shoal — error in Photos: bad')
    table.apply(ev({ type: 'folder-state', folder: 'a', state: 'syncing', version: 3 }))
    expect(table.list()[0].error).toBeUndefined()
    table.apply(ev({ type: 'progress', folder: 'a', progress: { ...NO_PROGRESS, bytesNeeded: 4, bytesDone: 1 } }))
    expect(trayState(table.list()).progress).toBe(0.25)
    table.apply(ev({ type: 'folder-updated', folder: 'a', info: folder({ id: 'a', name: 'Pictures' }) }))
    expect(table.name('a')).toBe('Pictures')
    table.apply(ev({ type: 'folder-removed', folder: 'a' }))
    expect(table.list()).toEqual([])
  })

  it('asks for a re-list when a folder it does not know appears', () => {
    const table = new FolderTable()
    expect(table.apply(ev({ type: 'folder-added', folder: 'n' }))).toBe(true)
    expect(table.apply(ev({ type: 'folder-state', folder: 'n', state: 'waiting', version: 0 }))).toBe(true)
    expect(table.apply(ev({ type: 'peers', peers: [] }))).toBe(false)
  })

  it('remembers when the deletes each folder holds were held, through state changes, until released', () => {
    const table = new FolderTable()
    const held = { deletes: 150, of: 200, from: 'the publisher', local: false, since: 42 }
    table.reset([folder({ id: 'p', kind: 'follow', state: 'held', held })])
    expect(table.context('p')).toEqual({ kind: 'follow', settledVersion: 3, heldSince: 42 })
    table.apply(ev({ type: 'folder-state', folder: 'p', state: 'paused', version: 3 }))
    expect(table.context('p')?.heldSince).toBe(42)
    table.apply(ev({ type: 'folder-updated', folder: 'p', info: folder({ id: 'p', kind: 'follow' }) }))
    expect(table.context('p')).toEqual({ kind: 'follow', settledVersion: 3 })
  })

  it('remembers the version each folder last settled at', () => {
    const table = new FolderTable()
    table.reset([folder({ id: 'old', kind: 'follow', version: 5, state: 'waiting' })])
    expect(table.context('old')).toEqual({ kind: 'follow', settledVersion: 5 })
    table.apply(ev({ type: 'folder-added', folder: 'new' }))
    table.reset([folder({ id: 'old', kind: 'follow', version: 5 }), folder({ id: 'new', kind: 'follow', version: 2, state: 'syncing' })])
    expect(table.context('new')).toEqual({ kind: 'follow', settledVersion: 0 }) // a new folder has downloaded nothing
    table.apply(ev({ type: 'folder-state', folder: 'new', state: 'idle', version: 7 }))
    expect(table.context('new')).toEqual({ kind: 'follow', settledVersion: 7 })
    expect(table.context('missing')).toBeUndefined()
  })
})
