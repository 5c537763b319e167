import fs from 'node:fs/promises'
import path from 'node:path'
import { spawn } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// The Electron main process as shipped: `electron-vite build` output, run in plain Node with the
// `electron` module replaced by tests/desktop/fake-electron/electron.mjs (the binary is not installed).
// Checks that the bundle loads its external dependencies and wires window, protocol, IPC, tray, deep
// links and quitting together. What Chromium itself does with these settings is not covered.

const root = path.resolve(import.meta.dirname, '../..')
// Inside the repo (so the bundle's bare imports find node_modules), outside out/ (which is the app).
const outDir = path.join(root, 'node_modules', '.cache', `shoal-desktop-test-${process.pid}`)
const fakeDir = path.join(import.meta.dirname, 'fake-electron')

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d: Buffer) => (output += d))
    child.stderr.on('data', (d: Buffer) => (output += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })
}

beforeAll(async () => {
  const build = await run(process.execPath, [path.join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build', '--outDir', outDir, '--logLevel', 'warn'])
  expect(build.output + `\nexit ${build.code}`).toMatch(/exit 0$/)
}, 120_000)

afterAll(async () => {
  await fs.rm(outDir, { recursive: true, force: true })
})

describe('Electron main process (built, fake electron)', () => {
  it('builds main as ESM, the preload as one CommonJS file, and the renderer', async () => {
    const main = await fs.readFile(path.join(outDir, 'main', 'index.js'), 'utf8')
    expect(main).toMatch(/^import .* from "electron";$/m)
    // Native addons and the Holepunch stack stay external (electron-builder ships node_modules).
    for (const dep of ['corestore', 'hyperswarm', 'hyperdrive', 'chokidar', 'zod']) expect(main).toMatch(new RegExp(`from "${dep}"`))
    const preload = await fs.readFile(path.join(outDir, 'preload', 'index.cjs'), 'utf8')
    expect(preload).toMatch(/require\("electron"\)/)
    expect(preload.match(/require\(/g)).toHaveLength(1) // a sandboxed preload may require electron only
    expect(preload).not.toMatch(/^\s*(import|export) /m)
    await fs.access(path.join(outDir, 'renderer', 'index.html'))
  })

  it('runs the window, protocol, IPC, tray, deep links and quit', async () => {
    const result = await run(process.execPath, ['--import', path.join(fakeDir, 'register.mjs'), path.join(fakeDir, 'drive-main.mjs')], {
      MAIN_BUNDLE: path.join(outDir, 'main', 'index.js'),
      FAKE_APP_PATH: root
    })
    expect(result.output).toContain('MAIN PROCESS OK')
    expect(result.code).toBe(0)
  }, 90_000)
})
