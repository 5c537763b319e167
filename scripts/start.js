#!/usr/bin/env node
// `npm start`: the desktop app when the Electron binary is installed, otherwise the same UI in a
// browser, served by `shoal run`. The Electron binary is found by reading node_modules/electron/path.txt,
// never by require('electron'), which would try to download the binary.
// Arguments after `--` go to the app or to `shoal run` (e.g. `npm start -- --port 8384`).
// In the browser, `shoal run --open` prints the address once it is ready and opens it where there is a
// desktop to show it (never in CI or without a display: main/daemon/open-browser.ts).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawn } from 'node:child_process'

const root = path.resolve(import.meta.dirname, '..')
const args = process.argv.slice(2)
if (args[0] === '--') args.shift()

function electronBinary() {
  const dir = path.join(root, 'node_modules', 'electron')
  try {
    const rel = fs.readFileSync(path.join(dir, 'path.txt'), 'utf8').trim()
    const bin = path.join(dir, 'dist', rel)
    return rel && fs.existsSync(bin) ? bin : null
  } catch {
    return null
  }
}

/** Runs a build step to completion, inheriting the terminal; exits if it fails. */
function runStep(what, command, commandArgs) {
  return new Promise((resolve) => {
    const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit' })
    child.on('error', (err) => {
      console.error(`${what} could not start: ${err.message}`)
      process.exit(1)
    })
    child.on('exit', (code, signal) => {
      if (code === 0) return resolve()
      console.error(`${what} failed (${signal ?? `exit code ${code}`})`)
      process.exit(code || 1)
    })
  })
}

/** Bins are run through node so a missing executable bit in node_modules/.bin cannot stop us. */
function binOf(pkg, bin) {
  return path.join(root, 'node_modules', pkg, bin)
}

/**
 * Runs the long-lived child and mirrors its fate. On POSIX it gets its own process group, so a Ctrl-C
 * in the terminal reaches it exactly once, through us (a second SIGINT means "stop now" to shoal run).
 */
function runForeground(command, commandArgs) {
  const detached = process.platform !== 'win32'
  const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit', detached })
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
  }
  process.on('SIGINT', () => forward('SIGINT'))
  process.on('SIGTERM', () => forward('SIGTERM'))
  child.on('error', (err) => {
    console.error(`could not start ${path.basename(command)}: ${err.message}`)
    process.exit(1)
  })
  child.on('exit', (code, signal) => {
    // Exit like the child did: its code, or 128 + signal number when a signal ended it.
    process.exit(code ?? 128 + (os.constants.signals[signal] ?? 0))
  })
}

const electron = electronBinary()
if (electron) {
  if (!fs.existsSync(path.join(root, 'out', 'main'))) {
    await runStep('Building the app (electron-vite build)', process.execPath, [binOf('electron-vite', 'bin/electron-vite.js'), 'build'])
  }
  runForeground(electron, [root, ...args])
} else {
  console.log('Electron is not available on this machine (its binary is not installed); serving the Shoal UI in your browser instead.')
  if (!fs.existsSync(path.join(root, 'out', 'renderer', 'index.html'))) {
    const config = path.join(root, 'renderer', 'vite.config.ts')
    if (fs.existsSync(config)) await runStep('Building the web UI (vite build)', process.execPath, [binOf('vite', 'bin/vite.js'), 'build', '--config', config])
  }
  runForeground(process.execPath, [path.join(root, 'bin', 'shoal.js'), 'run', ...(args.includes('--open') ? [] : ['--open']), ...args])
}
