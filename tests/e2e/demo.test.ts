import { describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { cleanEnv } from './helpers/shoal-process.ts'

// `npm run demo` piped, as in a CI log or `npm run demo > demo.txt`: it runs to the end (a private
// bootstrap node and two real daemons on loopback, which it stops itself) and prints no colour codes.

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const DEADLINE_MS = 150_000

describe('npm run demo, piped', () => {
  it('shows the share, the sync, the edit and the delete arriving, in plain text', async () => {
    const env = { ...cleanEnv(path.join(os.tmpdir(), 'shoal-demo-unused')), FORCE_COLOR: '', NO_COLOR: '' }
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    // Past the deadline, SIGTERM: the demo then stops the processes it started.
    const timer = setTimeout(() => child.kill('SIGTERM'), DEADLINE_MS)
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
    clearTimeout(timer)
    expect(code, out).toBe(0)
    expect(out).toMatch(/^==> Desktop has the folder \(first file after \d+ ms\)$/m)
    expect(out).toMatch(/^==> The edit arrived on the desktop after \d+ ms$/m)
    expect(out).toMatch(/^==> Done\. Cleaning up\.$/m)
    expect(out).not.toContain('\x1b')
  }, DEADLINE_MS + 10_000)
})
