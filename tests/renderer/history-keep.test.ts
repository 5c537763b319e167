// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'
import { fireEvent, screen } from '@testing-library/svelte'
import type { FolderInfo, HistoryPolicy } from '../../shared/folder.ts'
import { folder, renderApp, settle } from './fixtures.ts'

// The History tab's setting: how much history this device keeps, what it takes, and Prune now.

const DISK = { current: 1_900_000, history: 3_800_000, keptFrom: 1, checkedAt: Date.now() - 60_000 }

/** A fake engine that stores the policy it is given and answers with the row, as the engine does. */
function open(start: FolderInfo) {
  let row = start
  return renderApp({
    folders: [row],
    route: { view: 'folder', id: 'f1', tab: 'history', dir: '/' },
    handlers: {
      'versions.log': () => [],
      'folders.history': ({ keepDays, keepBytes, storeCopy }: Partial<HistoryPolicy> & { storeCopy?: boolean }) => {
        row = { ...row, history: { ...row.history!, ...(keepDays !== undefined ? { keepDays } : {}), ...(keepBytes !== undefined ? { keepBytes } : {}) } }
        if (storeCopy !== undefined) row = { ...row, storeCopy }
        return row
      },
      'versions.prune': () => ({ freedBytes: 3_800_000, complete: true, disk: { ...DISK, history: 0, keptFrom: 9 } })
    }
  })
}

const input = (id: string) => screen.getByTestId(id) as HTMLInputElement

describe('History tab: history on this device', () => {
  it('shows the setting and what the folder takes on disk', async () => {
    await open(folder({ bytes: 1_900_000, history: { keepDays: 30, keepBytes: null }, disk: DISK }))
    expect(screen.getByTestId('history-policy').textContent).toBe('Keeps the versions of the last 30 days.')
    expect(screen.getByTestId('history-disk').textContent?.replace(/\s+/g, ' ')).toMatch(/^ ?Folder 1.8 MiB · store 5.4 MiB \(latest version 1.8 MiB, history 3.6 MiB\) · every version can be restored · checked /)
    expect([input('keep-by-days').checked, input('keep-days').value, input('keep-by-size').checked]).toEqual([true, '30', false])
    expect((screen.getByTestId('history-keep-save') as HTMLButtonElement).disabled).toBe(true)
    expect(screen.queryByTestId('store-copy')).toBeNull() // a shared folder's store is what others download
  })

  it('saves a new limit and prunes now', async () => {
    const { transport } = await open(folder({ history: { keepDays: 30, keepBytes: null } }))
    await fireEvent.input(input('keep-days'), { target: { value: '7' } })
    await fireEvent.click(input('keep-by-size'))
    await fireEvent.input(input('keep-size'), { target: { value: '2.5' } })
    await fireEvent.click(screen.getByTestId('history-keep-save'))
    await settle()
    expect(transport.callsTo('folders.history')).toEqual([{ folder: 'f1', keepDays: 7, keepBytes: 2.5 * 2 ** 30 }])
    expect(screen.getByTestId('history-policy').textContent).toBe('Keeps the versions of the last 7 days, and at most 2.5 GiB of old content.')
    await fireEvent.click(screen.getByTestId('history-prune'))
    await settle()
    // Measured when the tab opened, then pruned.
    expect(transport.callsTo('versions.prune')).toEqual([{ folder: 'f1', dryRun: true }, { folder: 'f1' }])
    expect(screen.getByTestId('history-keep-note').textContent).toBe('Removed 3.6 MiB of old versions.')
  })

  it('on a joined folder, turns the second copy in the store off', async () => {
    const { transport } = await open(folder({ kind: 'follow', history: { keepDays: 30, keepBytes: null }, storeCopy: true }))
    expect(input('store-copy').checked).toBe(true)
    await fireEvent.click(input('store-copy'))
    await fireEvent.click(screen.getByTestId('history-keep-save'))
    await settle()
    expect(transport.callsTo('folders.history')).toEqual([{ folder: 'f1', keepDays: 30, keepBytes: null, storeCopy: false }])
  })

  it('refuses a negative number of days, and is absent when the engine reports no history setting', async () => {
    const first = await open(folder({ history: { keepDays: 30, keepBytes: null } }))
    await fireEvent.input(input('keep-days'), { target: { value: '-1' } })
    expect((screen.getByTestId('history-keep-save') as HTMLButtonElement).disabled).toBe(true)
    first.unmount()
    await open(folder({ kind: 'publish' }))
    expect(screen.queryByTestId('history-keep')).toBeNull()
  })
})
