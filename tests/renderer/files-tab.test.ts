// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'
import { fireEvent, screen, within } from '@testing-library/svelte'
import type { FileRow } from '../../shared/folder.ts'
import { folder, renderApp, settle } from './fixtures.ts'

const ROOT: FileRow[] = [
  { path: '/docs', name: 'docs', kind: 'folder', size: 0, state: 'synced' },
  { path: '/a.txt', name: 'a.txt', kind: 'file', size: 1200, mtime: Date.now(), state: 'synced' },
  { path: '/b.bin', name: 'b.bin', kind: 'file', size: 5_000_000, state: 'downloading', detail: '1.2 MB done' },
  { path: '/c.txt', name: 'c.txt', kind: 'file', size: 10, state: 'pending' },
  { path: '/d.txt', name: 'd.txt', kind: 'file', size: 10, state: 'local-change' },
  { path: '/e.txt', name: 'e.txt', kind: 'file', size: 10, state: 'local-only' },
  { path: '/f.sync-conflict-20250101-120000-abc.txt', name: 'f.sync-conflict-20250101-120000-abc.txt', kind: 'file', size: 10, state: 'conflict' },
  { path: '/con', name: 'con', kind: 'file', size: 10, state: 'refused', detail: 'reserved name on Windows' },
  { path: '/x.tmp', name: 'x.tmp', kind: 'file', size: 10, state: 'ignored' }
]
const DOCS: FileRow[] = [{ path: '/docs/readme.md', name: 'readme.md', kind: 'file', size: 300, state: 'synced' }]

function openFiles(rowsFor: (dir: string) => FileRow[]) {
  return renderApp({
    folders: [folder({ kind: 'follow' })],
    route: { view: 'folder', id: 'f1', tab: 'files', dir: '/' },
    handlers: { 'folders.files': ({ dir = '/' }) => ({ dir, rows: rowsFor(dir) }) }
  })
}

describe('Folder detail: Files tab', () => {
  it('lists the directory with a state badge per file', async () => {
    await openFiles((dir) => (dir === '/' ? ROOT : DOCS))
    const rows = screen.getAllByTestId('file-row')
    expect(rows.map((r) => r.dataset.state)).toEqual(ROOT.map((r) => r.state))
    const label = (name: string) => within(rows[ROOT.findIndex((r) => r.name === name)]).getByTestId('file-state').textContent?.trim()
    expect(label('a.txt')).toBe('Synced')
    expect(label('b.bin')).toBe('Downloading')
    expect(label('c.txt')).toBe('Pending')
    expect(label('d.txt')).toBe('Changed here')
    expect(label('e.txt')).toBe('Only here')
    expect(label('x.tmp')).toBe('Ignored')
    const refused = rows[ROOT.findIndex((r) => r.name === 'con')]
    expect(within(refused).getByTestId('file-state').textContent).toContain('Refused')
    expect(within(refused).getByTestId('file-detail').textContent).toContain('reserved name on Windows')
    expect(within(refused).getByTestId('file-state').getAttribute('title')).toContain('reserved name on Windows')
    expect(screen.getByTestId('files-count').textContent).toContain('9 items')
  })

  it('goes into a folder with folders.files for that dir, and back with the breadcrumbs', async () => {
    const { transport, router } = await openFiles((dir) => (dir === '/' ? ROOT : DOCS))
    await fireEvent.click(screen.getByText('docs'))
    await settle()
    expect(transport.callsTo('folders.files').at(-1)).toEqual({ folder: 'f1', dir: '/docs' })
    expect(router.route).toMatchObject({ view: 'folder', tab: 'files', dir: '/docs' })
    expect(screen.getAllByTestId('file-row').map((r) => r.textContent)).toEqual([expect.stringContaining('readme.md')])
    const crumbs = screen.getByTestId('breadcrumbs')
    expect(within(crumbs).getByText('docs').getAttribute('aria-current')).toBe('location')
    await fireEvent.click(within(crumbs).getByText('Photos'))
    await settle()
    expect(transport.callsTo('folders.files').at(-1)).toEqual({ folder: 'f1', dir: '/' })
  })

  it('opens a folder row from the keyboard', async () => {
    const { transport } = await openFiles((dir) => (dir === '/' ? ROOT : DOCS))
    const list = screen.getByTestId('file-list')
    list.focus()
    await fireEvent.keyDown(list, { key: 'End' })
    await fireEvent.keyDown(list, { key: 'Home' })
    await fireEvent.keyDown(list, { key: 'Enter' })
    await settle()
    expect(transport.callsTo('folders.files').at(-1)).toEqual({ folder: 'f1', dir: '/docs' })
  })

  it('renders only the visible rows of a 100,000-entry directory', async () => {
    const big: FileRow[] = Array.from({ length: 100_000 }, (_, i) => ({ path: `/f${i}`, name: `file-${i}`, kind: 'file', size: i, state: 'synced' }))
    await openFiles(() => big)
    const list = screen.getByTestId('file-list')
    const rendered = screen.getAllByTestId('file-row').length
    expect(rendered).toBeGreaterThan(5)
    expect(rendered).toBeLessThan(100)
    expect(list.querySelector('[role="option"]')?.getAttribute('aria-setsize')).toBe('100000')

    // Scrolling halfway renders the rows there, still only a handful.
    list.scrollTop = 44 * 50_000 // rows are 44 px high
    await fireEvent.scroll(list)
    await settle()
    expect(screen.getByText('file-50000')).toBeTruthy()
    expect(screen.queryByText('file-0')).toBeNull()
    expect(screen.getAllByTestId('file-row').length).toBeLessThan(100)
  })

  it('refreshes the directory once after a burst of file-changed events for this folder', async () => {
    const { transport } = await openFiles(() => ROOT)
    const before = transport.callsTo('folders.files').length
    for (let i = 0; i < 20; i++) transport.emit({ type: 'file-changed', folder: 'f1', path: `/n${i}`, action: 'added', direction: 'in' })
    transport.emit({ type: 'file-changed', folder: 'other', path: '/z', action: 'added', direction: 'in' })
    await new Promise((r) => setTimeout(r, 600))
    expect(transport.callsTo('folders.files').length).toBe(before + 1)
  })
})
