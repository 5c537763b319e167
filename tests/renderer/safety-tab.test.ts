// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'
import { fireEvent, screen } from '@testing-library/svelte'
import type { DeleteGuard, FolderInfo } from '../../shared/folder.ts'
import { folder, renderApp, settle } from './fixtures.ts'

// The Safety tab: the folder's mass-delete guard, seen and changed.

const GUARD: DeleteGuard = { enabled: true, percent: 50, minFiles: 100 }
const route = { view: 'folder', id: 'f1', tab: 'safety', dir: '/' } as const

/** A fake engine that stores the guard it is given and answers with the row, as the engine does. */
function guardHandlers(start: FolderInfo) {
  let row = start
  return {
    'folders.deleteGuard': ({ enabled, percent, minFiles }: { enabled?: boolean; percent?: number; minFiles?: number }) => {
      row = { ...row, deleteGuard: { ...row.deleteGuard!, ...(enabled !== undefined ? { enabled } : {}), ...(percent !== undefined ? { percent } : {}), ...(minFiles !== undefined ? { minFiles } : {}) } }
      return row
    }
  }
}

const field = (id: string) => screen.getByTestId(id) as HTMLInputElement
const save = () => screen.getByTestId('guard-save') as HTMLButtonElement

describe('Safety tab', () => {
  it('is there for folders the engine guards, not for a seeded folder', async () => {
    const first = await renderApp({ folders: [folder({ kind: 'follow', deleteGuard: GUARD })], route: { view: 'folder', id: 'f1', tab: 'files', dir: '/' }, handlers: { 'folders.files': ({ dir = '/' }) => ({ dir, rows: [] }) } })
    expect(screen.getByTestId('tab-safety').textContent).toContain('Safety')
    first.unmount()
    await renderApp({ folders: [folder({ kind: 'seed', path: '' })], route, handlers: { 'folders.files': ({ dir = '/' }) => ({ dir, rows: [] }) } })
    expect(screen.queryByTestId('tab-safety')).toBeNull()
    // An old link to the tab shows the files instead.
    expect(screen.getByTestId('tab-files').getAttribute('aria-selected')).toBe('true')
  })

  it('shows the settings and saves new limits', async () => {
    const f = folder({ deleteGuard: GUARD })
    const { transport } = await renderApp({ folders: [f], route, handlers: guardHandlers(f) })
    expect(screen.getByTestId('guard-current').textContent).toBe('On: a change that deletes more than 50% of the files and more than 100 files is held.')
    expect([field('guard-enabled').checked, field('guard-percent').value, field('guard-min-files').value]).toEqual([true, '50', '100'])
    expect(save().disabled).toBe(true)

    await fireEvent.input(field('guard-percent'), { target: { value: '80' } })
    await fireEvent.input(field('guard-min-files'), { target: { value: '20' } })
    await fireEvent.click(save())
    await settle()
    expect(transport.callsTo('folders.deleteGuard')).toEqual([{ folder: 'f1', enabled: true, percent: 80, minFiles: 20 }])
    expect(screen.getByTestId('guard-note').textContent).toBe('Saved.')
    expect(screen.getByTestId('guard-current').textContent).toBe('On: a change that deletes more than 80% of the files and more than 20 files is held.')
    expect(save().disabled).toBe(true)
  })

  it('turns the guard off, and says what that means', async () => {
    const f = folder({ kind: 'follow', deleteGuard: GUARD })
    const { transport } = await renderApp({ folders: [f], route, handlers: guardHandlers(f) })
    await fireEvent.click(field('guard-enabled'))
    await fireEvent.click(save())
    await settle()
    expect(transport.callsTo('folders.deleteGuard')).toEqual([{ folder: 'f1', enabled: false, percent: 50, minFiles: 100 }])
    expect(screen.getByTestId('guard-note').textContent).toBe('Saved. Every delete is now applied at once.')
    expect(screen.getByTestId('guard-current').textContent).toBe('Off: every delete is applied at once.')
    expect(field('guard-enabled').checked).toBe(false)
  })

  it('refuses limits the engine would not take, and saves nothing', async () => {
    const f = folder({ deleteGuard: GUARD })
    const { transport } = await renderApp({ folders: [f], route, handlers: guardHandlers(f) })
    for (const [id, value, message] of [
      ['guard-percent', '0', 'The percentage is a whole number from 1 to 100.'],
      ['guard-percent', '150', 'The percentage is a whole number from 1 to 100.'],
      ['guard-percent', '', 'The percentage is a whole number from 1 to 100.'],
      ['guard-min-files', '-1', 'The number of files is a whole number, 0 or more.'],
      ['guard-min-files', '2.5', 'The number of files is a whole number, 0 or more.']
    ] as const) {
      await fireEvent.input(field(id), { target: { value } })
      expect(screen.getByTestId('guard-invalid').textContent, `${id} = '${value}'`).toBe(message)
      expect(field(id).getAttribute('aria-invalid')).toBe('true')
      expect(save().disabled).toBe(true)
      await fireEvent.submit(screen.getByTestId('guard-form'))
      // Back to a valid value before the next case.
      await fireEvent.input(field(id), { target: { value: id === 'guard-percent' ? '50' : '100' } })
    }
    expect(screen.queryByTestId('guard-invalid')).toBeNull()
    expect(transport.callsTo('folders.deleteGuard')).toEqual([])
  })
})
