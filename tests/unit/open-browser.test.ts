import { describe, expect, it } from 'vitest'
import { browserOpener } from '../../main/daemon/open-browser.ts'

// When `npm start` (shoal run --open) opens the web UI in a browser: only where a desktop can show
// it. The decision is pure; tests/e2e/ui-address.test.ts runs the real command with a stand-in opener.

const URL = 'http://127.0.0.1:7462/?token=' + 'a'.repeat(64)
const desktop = { DISPLAY: ':0' }

describe('browserOpener', () => {
  it('opens with the platform opener on a desktop', () => {
    expect(browserOpener(URL, desktop, 'linux')).toEqual({ open: true, command: 'xdg-open', args: [URL] })
    expect(browserOpener(URL, { WAYLAND_DISPLAY: 'wayland-0' }, 'linux')).toMatchObject({ open: true, command: 'xdg-open' })
    expect(browserOpener(URL, {}, 'darwin')).toEqual({ open: true, command: 'open', args: [URL] })
    expect(browserOpener(URL, { DISPLAY: ':0' }, 'freebsd')).toMatchObject({ open: true, command: 'xdg-open' })
    const win = browserOpener(URL, { ComSpec: 'C:\\Windows\\system32\\cmd.exe' }, 'win32')
    expect(win).toEqual({ open: true, command: 'C:\\Windows\\system32\\cmd.exe', args: ['/d', '/s', '/c', `start "" "${URL}"`], verbatim: true })
  })

  it('never in CI', () => {
    for (const CI of ['true', '1', 'yes', 'github-actions']) {
      expect(browserOpener(URL, { ...desktop, CI }, 'linux')).toEqual({ open: false, reason: 'running in CI' })
      expect(browserOpener(URL, { CI }, 'darwin')).toEqual({ open: false, reason: 'running in CI' })
      expect(browserOpener(URL, { CI }, 'win32')).toEqual({ open: false, reason: 'running in CI' })
    }
    // CI set to "off" is not CI.
    for (const CI of ['', 'false', '0']) expect(browserOpener(URL, { ...desktop, CI }, 'linux').open).toBe(true)
  })

  it('never without a display: a server, or an SSH session without X forwarding', () => {
    expect(browserOpener(URL, {}, 'linux')).toEqual({ open: false, reason: 'no display' })
    expect(browserOpener(URL, { SSH_CONNECTION: '10.0.0.2 5 10.0.0.5 22' }, 'linux')).toEqual({ open: false, reason: 'no display' })
    // X forwarding gives the session a display: the browser opens there.
    expect(browserOpener(URL, { SSH_CONNECTION: '10.0.0.2 5 10.0.0.5 22', DISPLAY: 'localhost:10.0' }, 'linux').open).toBe(true)
    // On a Mac or Windows an SSH session would open it on someone else's screen.
    expect(browserOpener(URL, { SSH_TTY: '/dev/ttys001' }, 'darwin')).toEqual({ open: false, reason: 'an SSH session' })
    expect(browserOpener(URL, { SSH_CONNECTION: '10.0.0.2 5 10.0.0.5 22' }, 'win32')).toEqual({ open: false, reason: 'an SSH session' })
  })

  it('never when BROWSER=none says so', () => {
    expect(browserOpener(URL, { ...desktop, BROWSER: 'none' }, 'linux')).toEqual({ open: false, reason: 'BROWSER=none' })
    expect(browserOpener(URL, { BROWSER: 'NONE' }, 'darwin').open).toBe(false)
    expect(browserOpener(URL, { ...desktop, BROWSER: 'firefox' }, 'linux').open).toBe(true)
  })

  it('only a plain http address (it goes into a cmd.exe command line on Windows)', () => {
    expect(browserOpener('http://127.0.0.1:7462/?token=x" & calc', {}, 'win32')).toEqual({ open: false, reason: 'not a plain http address' })
    expect(browserOpener('file:///etc/passwd', desktop, 'linux').open).toBe(false)
  })
})
