// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'
import { fireEvent, screen, within } from '@testing-library/svelte'
import { formatLink } from '../../shared/link.ts'
import { CallError } from '../../renderer/src/transport/types.ts'
import { folder, renderApp, settle } from './fixtures.ts'
import type { Handlers } from './fake-transport.ts'

// The UI side of "a join can never take over the device": joining into a folder that has files
// asks first, a refused target says why, and a joined folder's after-update hook is a local
// setting whose new or changed command is shown exactly and confirmed before it is saved.

const GOOD = formatLink({ key: 'ab'.repeat(32) })
const NOT_EMPTY =
  '/home/ana/Shared is not empty: it holds 3 files or folders (a.txt, b.txt, notes). Joining merges the shared folder into it: your files stay, a file with the same name and content is adopted, a different one is kept as a conflict copy. Confirm the merge, or choose a new or empty folder.'

async function previewAndChoose(handlers: Handlers, path: string) {
  const app = await renderApp({
    handlers: { 'folders.preview': () => ({ key: 'ab'.repeat(32), version: 3, files: 2, bytes: 10 }), 'folders.files': () => ({ dir: '/', rows: [] }), ...handlers }
  })
  await fireEvent.click(screen.getByTestId('add-button'))
  await fireEvent.click(screen.getByTestId('add-join'))
  await fireEvent.input(screen.getByTestId('join-link'), { target: { value: GOOD } })
  await fireEvent.click(screen.getByTestId('join-check'))
  await settle()
  await fireEvent.input(screen.getByTestId('join-path'), { target: { value: path } })
  return app
}

describe('Join into a folder that has files', () => {
  it('says what is there and joins only after the user confirms merging', async () => {
    const joined = folder({ id: 'j1', name: 'Shared', path: '/home/ana/Shared', kind: 'follow' })
    const { transport, router } = await previewAndChoose(
      {
        'folders.join': ({ merge }) => {
          if (!merge) throw new CallError('FOLDER_NOT_EMPTY', NOT_EMPTY)
          return joined
        }
      },
      '/home/ana/Shared'
    )
    await fireEvent.click(screen.getByTestId('join-submit'))
    await settle()
    const ask = screen.getByTestId('join-merge')
    expect(within(ask).getByTestId('join-merge-what').textContent).toBe(NOT_EMPTY)
    expect(ask.textContent).toContain('This folder already has files.')
    expect(screen.queryByTestId('join-error')).toBeNull()
    // Nothing joined yet, and Join is not the way on: the question is.
    expect(transport.callsTo('folders.join')).toEqual([{ link: GOOD, path: '/home/ana/Shared' }])
    expect((screen.getByTestId('join-submit') as HTMLButtonElement).disabled).toBe(true)
    expect(router.adding).toBe('join')

    await fireEvent.click(screen.getByTestId('join-merge-confirm'))
    await settle()
    expect(transport.callsTo('folders.join')[1]).toEqual({ link: GOOD, path: '/home/ana/Shared', merge: true })
    expect(router.adding).toBeNull()
    expect(router.route).toMatchObject({ view: 'folder', id: 'j1' })
  })

  it('choosing another folder drops the question; a new path is joined without merging', async () => {
    const { transport } = await previewAndChoose(
      {
        'folders.join': ({ path }) => {
          if (path === '/home/ana/Shared') throw new CallError('FOLDER_NOT_EMPTY', NOT_EMPTY)
          return folder({ id: 'j2', path, kind: 'follow' })
        }
      },
      '/home/ana/Shared'
    )
    await fireEvent.click(screen.getByTestId('join-submit'))
    await settle()
    expect(screen.getByTestId('join-merge')).toBeTruthy()
    await fireEvent.click(screen.getByTestId('join-merge-cancel'))
    expect(screen.queryByTestId('join-merge')).toBeNull()
    await fireEvent.click(screen.getByTestId('join-submit'))
    await settle()
    expect(screen.getByTestId('join-merge')).toBeTruthy()
    // Typing another folder also drops it.
    await fireEvent.input(screen.getByTestId('join-path'), { target: { value: '/home/ana/Shared-copy' } })
    await settle()
    expect(screen.queryByTestId('join-merge')).toBeNull()
    await fireEvent.click(screen.getByTestId('join-submit'))
    await settle()
    expect(transport.callsTo('folders.join').map((p) => [p.path, p.merge])).toEqual([
      ['/home/ana/Shared', undefined],
      ['/home/ana/Shared', undefined],
      ['/home/ana/Shared-copy', undefined]
    ])
  })

  it('a refused target says why, with no way to merge around it', async () => {
    const why = "Cannot join into /home/ana: it contains Shoal's data directory (/home/ana/.local/share/shoal), so the publisher's files could replace Shoal's settings and keys."
    await previewAndChoose(
      {
        'folders.join': () => {
          throw new CallError('BAD_PATH', why)
        }
      },
      '/home/ana'
    )
    await fireEvent.click(screen.getByTestId('join-submit'))
    await settle()
    expect(screen.getByTestId('join-error').textContent).toContain(why)
    expect(screen.queryByTestId('join-merge')).toBeNull()
  })
})

describe('After-update hook of a joined folder', () => {
  const follow = (hook?: string) => folder({ kind: 'follow', path: '/opt/app', name: 'app', ...(hook ? { hook } : {}) })

  it('is a tab of joined folders only', async () => {
    const { router } = await renderApp({ folders: [follow(), folder({ id: 'p1' })], route: { view: 'folder', id: 'f1', tab: 'files', dir: '/' }, handlers: { 'folders.files': () => ({ dir: '/', rows: [] }) } })
    expect(screen.getByTestId('tab-hook').textContent).toContain('After update')
    router.openFolder('p1', 'hook')
    await settle()
    expect(screen.queryByTestId('tab-hook')).toBeNull()
    expect(screen.getByTestId('tab-files').getAttribute('aria-selected')).toBe('true')
  })

  it('shows the command, and saving a new one asks first, showing it exactly and where it runs', async () => {
    let saved: string | null | undefined
    const { transport } = await renderApp({
      folders: [follow()],
      route: { view: 'folder', id: 'f1', tab: 'hook', dir: '/' },
      handlers: {
        'folders.hook': ({ command }) => {
          saved = command
          return follow(command ?? undefined)
        }
      }
    })
    expect(screen.getByTestId('hook-current').textContent).toContain('No command runs after updates.')
    expect(screen.getByRole('tabpanel').textContent).toContain('the publisher cannot set, change or see it')
    expect((screen.getByTestId('hook-save') as HTMLButtonElement).disabled).toBe(true)
    const command = 'systemctl --user restart app && echo "done" > /tmp/log'
    await fireEvent.input(screen.getByTestId('hook-command'), { target: { value: command } })
    await fireEvent.click(screen.getByTestId('hook-save'))
    const dialog = screen.getByTestId('hook-dialog')
    expect(within(dialog).getByTestId('hook-confirm-command').textContent).toBe(command)
    expect(within(dialog).getByTestId('hook-confirm-message').textContent).toMatch(/run this command on this computer, in a shell inside \/opt\/app, after every update of app/)
    expect(document.activeElement?.textContent).toBe('Cancel')
    expect(transport.callsTo('folders.hook')).toEqual([])

    // Cancel saves nothing.
    await fireEvent.click(within(dialog).getByText('Cancel'))
    expect(screen.queryByTestId('hook-dialog')).toBeNull()
    expect(transport.callsTo('folders.hook')).toEqual([])

    await fireEvent.click(screen.getByTestId('hook-save'))
    await fireEvent.click(screen.getByTestId('hook-confirm'))
    await settle()
    expect(saved).toBe(command)
    expect(screen.queryByTestId('hook-dialog')).toBeNull()
    expect(screen.getByTestId('hook-current').textContent).toContain(command)
    expect(screen.getByTestId('hook-note').textContent).toContain('Saved')
  })

  it('a changed command is confirmed too; clearing needs no confirmation', async () => {
    const { transport } = await renderApp({
      folders: [follow('./restart.sh')],
      route: { view: 'folder', id: 'f1', tab: 'hook', dir: '/' },
      handlers: { 'folders.hook': ({ command }) => follow(command ?? undefined) }
    })
    expect(screen.getByTestId('hook-current').textContent).toContain('./restart.sh')
    expect((screen.getByTestId('hook-command') as HTMLTextAreaElement).value).toBe('./restart.sh')
    await fireEvent.input(screen.getByTestId('hook-command'), { target: { value: './restart.sh --full' } })
    await fireEvent.click(screen.getByTestId('hook-save'))
    expect(screen.getByTestId('hook-confirm-message').textContent).toContain('it replaces the command set now')
    await fireEvent.click(screen.getByTestId('hook-confirm'))
    await settle()
    expect(transport.callsTo('folders.hook')).toEqual([{ folder: 'f1', command: './restart.sh --full' }])

    await fireEvent.click(screen.getByTestId('hook-clear'))
    await settle()
    expect(transport.callsTo('folders.hook')[1]).toEqual({ folder: 'f1', command: null })
    expect(screen.getByTestId('hook-current').textContent).toContain('No command runs after updates.')
    expect((screen.getByTestId('hook-command') as HTMLTextAreaElement).value).toBe('')
  })

  it('refuses a command with hidden characters before asking', async () => {
    const { transport } = await renderApp({ folders: [follow()], route: { view: 'folder', id: 'f1', tab: 'hook', dir: '/' }, handlers: { 'folders.hook': () => follow() } })
    await fireEvent.input(screen.getByTestId('hook-command'), { target: { value: 'echo safe \u202e; rm -rf ~' } })
    await fireEvent.click(screen.getByTestId('hook-save'))
    expect(screen.queryByTestId('hook-dialog')).toBeNull()
    expect(screen.getByTestId('hook-error').textContent).toContain('an invisible formatting character (U+202E at position 11)')
    expect(transport.callsTo('folders.hook')).toEqual([])
  })
})
