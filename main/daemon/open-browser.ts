import { spawn } from 'node:child_process'

// `npm start` (shoal run --open) opens the web UI in the user's browser once it is ready, where a
// desktop exists to show it: never in CI, never without a display (a server, an SSH session), and
// never when BROWSER=none says not to (the convention of create-react-app and others). Opening is
// best effort: the address is printed first, so a failure here costs nothing.

export type Opener = { open: true; command: string; args: string[]; verbatim?: boolean } | { open: false; reason: string }

/** Whether an environment variable is set to something other than "off". */
function isOn(value: string | undefined): boolean {
  return value !== undefined && value !== '' && !/^(0|false|no|off)$/i.test(value)
}

/** Whether and how to open `url` here; pure, so every case is tested (tests/unit/open-browser.test.ts). */
export function browserOpener(url: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): Opener {
  // Shoal's own address only (it is put into a cmd.exe command line on Windows).
  if (!/^http:\/\/[A-Za-z0-9.:/?=_-]+$/.test(url)) return { open: false, reason: 'not a plain http address' }
  if (isOn(env.CI)) return { open: false, reason: 'running in CI' }
  if ((env.BROWSER ?? '').toLowerCase() === 'none') return { open: false, reason: 'BROWSER=none' }
  if (platform === 'darwin') {
    // `open` in an SSH session would open the browser on the screen of whoever sits at the Mac.
    if (env.SSH_CONNECTION || env.SSH_TTY) return { open: false, reason: 'an SSH session' }
    return { open: true, command: 'open', args: [url] }
  }
  if (platform === 'win32') {
    if (env.SSH_CONNECTION) return { open: false, reason: 'an SSH session' }
    // `start` is a cmd built-in; its first quoted argument is a window title, hence the "".
    return { open: true, command: env.ComSpec || 'cmd.exe', args: ['/d', '/s', '/c', `start "" "${url}"`], verbatim: true }
  }
  // Linux and the BSDs: a browser needs an X11 or Wayland display (an SSH session with X forwarding has one).
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return { open: false, reason: 'no display' }
  return { open: true, command: 'xdg-open', args: [url] }
}

/** Starts the opener detached (it outlives us if need be); resolves with an error message, or null once it started. */
export function launchOpener(opener: Extract<Opener, { open: true }>): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn(opener.command, opener.args, { detached: true, stdio: 'ignore', windowsHide: true, windowsVerbatimArguments: opener.verbatim ?? false })
    child.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ENOENT' ? `${opener.command} is not installed` : err.message))
    child.once('spawn', () => {
      child.unref()
      resolve(null)
    })
  })
}
