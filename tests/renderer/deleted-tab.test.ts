// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'
import { fireEvent, screen, within } from '@testing-library/svelte'
import type { DeletedFile, FolderInfo } from '../../shared/folder.ts'
import { folder, renderApp, settle } from './fixtures.ts'

const T = Date.now() - 3600_000
const LIST: DeletedFile[] = [
  { path: '/old.txt', action: 'deleted', version: 7, at: T, by: 'laptop', restoreFrom: 3, size: 42, restorable: true },
  { path: '/report.pdf', action: 'overwritten', version: 6, at: T, by: 'this device', restoreFrom: 5, size: 1_500_000, restorable: true },
  { path: '/ancient.txt', action: 'deleted', version: 2, by: 'laptop', restoreFrom: 1, restorable: false, reason: "No longer kept here: history before version 4 was pruned on 2026-11-20 (see 'shoal history')" }
]

function openDeleted(kind: FolderInfo['kind']) {
  return renderApp({
    folders: [folder({ kind, version: 7, remoteVersion: 7 })],
    route: { view: 'folder', id: 'f1', tab: 'deleted', dir: '/' },
    handlers: {
      'versions.deleted': () => LIST,
      'versions.restore': ({ path, version, to }) => ({ path: to ?? `/home/ana/Photos${path}`, version, bytes: 10 })
    }
  })
}

describe('Folder detail: Deleted tab', () => {
  it('lists each file with what happened, by whom, and a Restore, or why it cannot be restored', async () => {
    const { transport } = await openDeleted('two-way')
    expect(transport.callsTo('versions.deleted')[0]).toMatchObject({ folder: 'f1' })
    const rows = screen.getAllByTestId('deleted-file')
    expect(rows.map((r) => [r.dataset.path, r.dataset.action])).toEqual([
      ['/old.txt', 'deleted'],
      ['/report.pdf', 'overwritten'],
      ['/ancient.txt', 'deleted']
    ])
    expect(within(rows[0]).getByTestId('deleted-by').textContent).toMatch(/by laptop, 1 h ago\s*· version 7/)
    expect(within(rows[1]).getByText('1.4 MiB')).toBeTruthy()
    expect(within(rows[2]).queryByTestId('deleted-restore')).toBeNull()
    expect(within(rows[2]).getByTestId('deleted-gone').textContent).toContain('history before version 4 was pruned')
  })

  it('restores in place where the folder is writable', async () => {
    const { transport } = await openDeleted('publish')
    await fireEvent.click(screen.getByRole('button', { name: 'Restore /old.txt from version 3' }))
    await settle()
    expect(transport.callsTo('versions.restore')).toEqual([{ folder: 'f1', path: '/old.txt', version: 3 }])
    expect(screen.queryByTestId('restore-dialog')).toBeNull()
  })

  it('asks a receiver where to save the old file', async () => {
    const { transport } = await openDeleted('follow')
    await fireEvent.click(screen.getByRole('button', { name: 'Restore /report.pdf from version 5' }))
    await settle()
    const dialog = screen.getByTestId('restore-dialog')
    const to = within(dialog).getByTestId('restore-to') as HTMLInputElement
    expect(to.value).toMatch(/report\.v5\.pdf$/)
    await fireEvent.input(to, { target: { value: '/tmp/report-old.pdf' } })
    await fireEvent.click(within(dialog).getByTestId('restore-confirm'))
    await settle()
    expect(transport.callsTo('versions.restore')).toEqual([{ folder: 'f1', path: '/report.pdf', version: 5, to: '/tmp/report-old.pdf' }])
  })

  it('is not a tab of a seed, which has no files', async () => {
    await renderApp({ folders: [folder({ kind: 'seed' })], route: { view: 'folder', id: 'f1', tab: 'files', dir: '/' } })
    expect(screen.queryByTestId('tab-deleted')).toBeNull()
  })
})
