// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'
import { fireEvent, screen, within } from '@testing-library/svelte'
import type { VersionChange } from '../../shared/folder.ts'
import { folder, renderApp, settle } from './fixtures.ts'

const T = Date.now() - 3600_000
const LOG: VersionChange[] = [
  { version: 7, action: 'deleted', path: '/old.txt', time: T + 3000 },
  { version: 7, action: 'changed', path: '/report.pdf', size: 2_000_000, time: T + 3000 },
  { version: 5, action: 'added', path: '/report.pdf', size: 1_500_000, time: T + 2000 },
  { version: 5, action: 'added', path: '/notes/todo.md', size: 120, time: T + 2000 },
  { version: 3, action: 'added', path: '/old.txt', size: 42, time: T + 1000 }
]

function openHistory(kind: 'publish' | 'follow') {
  return renderApp({
    folders: [folder({ kind, version: 7, remoteVersion: 7 })],
    route: { view: 'folder', id: 'f1', tab: 'history', dir: '/' },
    handlers: {
      'versions.log': () => LOG,
      'versions.restore': ({ path, version, to }) => ({ path: to ?? `/home/ana/Photos${path}`, version, bytes: 10 })
    }
  })
}

describe('Folder detail: History tab', () => {
  it('groups the changes by version, newest first', async () => {
    const { transport } = await openHistory('publish')
    expect(transport.callsTo('versions.log')[0]).toMatchObject({ folder: 'f1' })
    const groups = screen.getAllByTestId('version-group')
    expect(groups.map((g) => g.dataset.version)).toEqual(['7', '5', '3'])
    expect(within(groups[0]).getByText('Version 7')).toBeTruthy()
    expect(within(groups[0]).getAllByTestId('version-change').map((c) => c.dataset.action)).toEqual(['deleted', 'changed'])
    expect(within(groups[1]).getByText('/notes/todo.md')).toBeTruthy()
    expect(within(groups[1]).getByText('1.4 MiB')).toBeTruthy()
  })

  it('restores in place on the publisher; a deleted file comes back from the version before', async () => {
    const { transport } = await openHistory('publish')
    await fireEvent.click(screen.getByRole('button', { name: 'Restore /report.pdf from version 5' }))
    await settle()
    expect(transport.callsTo('versions.restore')).toEqual([{ folder: 'f1', path: '/report.pdf', version: 5 }])
    await fireEvent.click(screen.getByRole('button', { name: 'Restore deleted /old.txt from version 3' }))
    await settle()
    expect(transport.callsTo('versions.restore')[1]).toEqual({ folder: 'f1', path: '/old.txt', version: 3 })
    expect(screen.queryByTestId('restore-dialog')).toBeNull()
  })

  it('marks what the folder holds now instead of offering to restore it', async () => {
    await openHistory('publish')
    const [latest] = screen.getAllByTestId('version-group')
    const report = within(latest).getAllByTestId('version-change')[1]
    expect(report.textContent).toContain('/report.pdf')
    expect(report.textContent).toContain('Current')
    expect(within(report).queryByTestId('restore-button')).toBeNull()
  })

  it('asks a receiver where to save the old version and passes it as `to`', async () => {
    const { transport } = await openHistory('follow')
    await fireEvent.click(screen.getByRole('button', { name: 'Restore /report.pdf from version 5' }))
    const dialog = screen.getByTestId('restore-dialog')
    const to = within(dialog).getByTestId('restore-to') as HTMLInputElement
    expect(to.value).toBe('/home/ana/Photos/report.v5.pdf')
    expect(transport.callsTo('versions.restore')).toEqual([])

    await fireEvent.input(to, { target: { value: '/tmp/report-old.pdf' } })
    await fireEvent.click(within(dialog).getByTestId('restore-confirm'))
    await settle()
    expect(transport.callsTo('versions.restore')).toEqual([{ folder: 'f1', path: '/report.pdf', version: 5, to: '/tmp/report-old.pdf' }])
    expect(screen.queryByTestId('restore-dialog')).toBeNull()
  })

  it('keeps the dialog open and shows the error when the restore fails', async () => {
    const { transport } = await openHistory('follow')
    transport.on('versions.restore', () => {
      throw Object.assign(new Error('Permission denied: /root/x'), { code: 'PERMISSION_DENIED' })
    })
    await fireEvent.click(screen.getByRole('button', { name: 'Restore deleted /old.txt from version 3' }))
    expect((screen.getByTestId('restore-to') as HTMLInputElement).value).toBe('/home/ana/Photos/old.v3.txt')
    await fireEvent.click(screen.getByTestId('restore-confirm'))
    await settle()
    const dialog = screen.getByTestId('restore-dialog')
    expect(within(dialog).getByRole('alert').textContent).toContain('Permission denied: /root/x')
    expect(within(dialog).getByRole('alert').textContent).toContain('PERMISSION_DENIED')
  })

  it('closes the restore dialog with Escape', async () => {
    await openHistory('follow')
    await fireEvent.click(screen.getByRole('button', { name: 'Restore /report.pdf from version 5' }))
    expect(screen.getByTestId('restore-dialog')).toBeTruthy()
    await fireEvent.keyDown(window, { key: 'Escape' })
    expect(screen.queryByTestId('restore-dialog')).toBeNull()
  })
})
