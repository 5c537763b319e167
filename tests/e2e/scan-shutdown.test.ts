import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { BIN, cleanEnv, freeUdpPort, startShoal, type ShoalProcess } from './helpers/shoal-process.ts'
import { apiCall } from './helpers/http.ts'
import { waitFor } from '../helpers/files.ts'

// A scan that takes long (a 64 GiB file, sparse so it costs no disk) or meets things that are not
// files (a FIFO, a device node) never holds Shoal hostage: SIGTERM ends `shoal run` at once and
// cleanly, pause and remove answer while the scan runs and stop it, and special files are skipped
// with a warning. Real `shoal` processes on a private loopback DHT.

const UI_URL = /Shoal is running\. API and web UI: http:\/\/127\.0\.0\.1:(\d+)\/\?token=([0-9a-f]{64})/
/**
 * A clean stop, a pause or a remove takes well under a second; the engine leaves a folder behind
 * after 5 s (FOLDER_CLOSE_MS) and `shoal run` exits anyway after 10 s (STOP_DEADLINE_MS).
 */
const PROMPT_MS = 5_000

let root: string
let env: NodeJS.ProcessEnv
let bootstrap: string
let boot: ShoalProcess
const daemons: ShoalProcess[] = []

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-scan-e2e-'))
  env = cleanEnv(path.join(root, 'unused'))
  const port = await freeUdpPort()
  boot = startShoal(['bootstrap', '--host', '127.0.0.1', '--port', String(port)], env)
  await boot.waitFor(/Bootstrap node listening on 127\.0\.0\.1:\d+/)
  bootstrap = `127.0.0.1:${port}`
})
afterEach(async () => {
  await Promise.all(daemons.splice(0).map((d) => d.stop()))
})
afterAll(async () => {
  await boot?.stop()
  await fs.rm(root, { recursive: true, force: true })
})

/** Runs a one-shot `shoal` command to completion, timing it. */
function shoal(args: string[]): Promise<{ code: number | null; out: string; ms: number }> {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout!.on('data', (d) => (out += d))
    child.stderr!.on('data', (d) => (out += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, out, ms: Date.now() - started })
    })
  })
}

async function startRun(dataDir: string): Promise<ShoalProcess & { call: (method: string, params: unknown) => Promise<{ status: number; body: string; ms: number }> }> {
  const run = startShoal(['run', '--port', '0', '--bind', '127.0.0.1', '--bootstrap', bootstrap, '--data', dataDir], env)
  daemons.push(run)
  const [, port, token] = await run.waitFor(UI_URL)
  // Straight to the API: the time measured is the daemon's, not a CLI process starting up.
  const call = async (method: string, params: unknown) => {
    const started = Date.now()
    const res = await apiCall(Number(port), method, params, { Authorization: `Bearer ${token}` })
    return { status: res.status, body: res.body, ms: Date.now() - started }
  }
  return Object.assign(run, { call })
}

function exitOf(proc: ShoalProcess): Promise<number | null> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return Promise.resolve(proc.child.exitCode)
  return new Promise((resolve) => proc.child.once('exit', (code) => resolve(code)))
}

/** Is the process holding `file` open right now (Linux: its descriptors in /proc)? */
async function reading(proc: ShoalProcess, file: string): Promise<boolean> {
  const dir = `/proc/${proc.child.pid}/fd`
  const fds = await fs.readdir(dir).catch(() => [])
  const targets = await Promise.all(fds.map((fd) => fs.readlink(path.join(dir, fd)).catch(() => '')))
  return targets.includes(file)
}

/** A shared folder (stored with a one-shot `shoal share`), then a 64 GiB file its next scan must hash. */
async function sharedFolderWithHugeFile(name: string): Promise<{ dir: string; dataDir: string; huge: string }> {
  const dir = path.join(root, name)
  const dataDir = path.join(root, `data-${name}`)
  await fs.mkdir(dir, { recursive: true })
  await fs.writeFile(path.join(dir, 'small.txt'), 'small')
  const shared = await shoal(['share', dir, '--data', dataDir, '--bootstrap', bootstrap])
  expect(shared.code, shared.out).toBe(0)
  const huge = path.join(dir, 'huge.bin')
  const fh = await fs.open(huge, 'w')
  await fh.truncate(64 * 1024 ** 3)
  await fh.close()
  return { dir, dataDir, huge }
}

async function folders(dataDir: string): Promise<Array<{ name: string; state: string; files: number }>> {
  const status = await shoal(['status', '--json', '--data', dataDir])
  expect(status.code, status.out).toBe(0)
  return JSON.parse(status.out).folders
}

describe('scans that always end, shutdown that always works', () => {
  it('SIGTERM in the middle of a long scan stops shoal run within a moment, cleanly (exit 0)', async () => {
    const { dataDir, huge } = await sharedFolderWithHugeFile('term')
    const run = await startRun(dataDir)
    await waitFor('shoal run to be hashing huge.bin', () => reading(run, huge), 30_000)

    const started = Date.now()
    run.child.kill('SIGTERM')
    const code = await exitOf(run)
    const ms = Date.now() - started
    expect(code, run.output()).toBe(0)
    expect(ms, run.output()).toBeLessThan(PROMPT_MS)
    expect(run.output()).toContain('Stopping (SIGTERM)...')
    // Stopped, not abandoned, and nothing half-scanned was published.
    expect(run.output()).not.toMatch(/did not stop|exiting anyway|error/)
    expect(run.output()).not.toContain('huge.bin')

    // The data directory is intact and free: the folder is still there, as it was.
    expect(await folders(dataDir)).toEqual([expect.objectContaining({ name: 'term', files: 1 })])
  })

  it('pause and remove answer in the middle of a long scan, and stop it', async () => {
    const { dir, dataDir, huge } = await sharedFolderWithHugeFile('busy')
    const run = await startRun(dataDir)
    await waitFor('shoal run to be hashing huge.bin', () => reading(run, huge), 30_000)

    const paused = await run.call('folders.pause', { folder: dir })
    expect(paused.status, paused.body).toBe(200)
    expect(JSON.parse(paused.body).result).toMatchObject({ state: 'paused' })
    expect(paused.ms, run.output()).toBeLessThan(PROMPT_MS)
    await waitFor('the paused scan to let go of huge.bin', async () => !(await reading(run, huge)), 2_000)

    expect((await run.call('folders.resume', { folder: dir })).status).toBe(200)
    await waitFor('shoal run to be hashing huge.bin again', () => reading(run, huge), 30_000)
    const removed = await run.call('folders.remove', { folder: dir })
    expect(removed.status, removed.body).toBe(200)
    expect(JSON.parse(removed.body).result).toEqual({ removed: dir })
    expect(removed.ms, run.output()).toBeLessThan(PROMPT_MS)
    await waitFor('the removed folder to let go of huge.bin', async () => !(await reading(run, huge)), 2_000)

    // The daemon keeps running, without the folder; the files stay.
    expect(run.child.exitCode).toBe(null)
    expect(await folders(dataDir)).toEqual([])
    expect(await fs.readFile(path.join(dir, 'small.txt'), 'utf8')).toBe('small')
    expect(run.output()).not.toMatch(/\berror\b/)
    expect(await run.stop()).toBe(0)
  })

  it('skips a FIFO and a device node inside a shared folder with a warning, and shares the rest', async () => {
    const dataDir = path.join(root, 'data-special')
    const run = await startRun(dataDir)
    const dir = path.join(root, 'special')
    await fs.mkdir(path.join(dir, 'sub'), { recursive: true })
    await fs.writeFile(path.join(dir, 'a.txt'), 'alpha')
    await fs.writeFile(path.join(dir, 'sub', 'b.txt'), 'bravo')
    // A FIFO with no writer: a plain open() for reading waits forever.
    execFileSync('mkfifo', [path.join(dir, 'pipe')])
    // As root (how this suite runs), also a device node: a copy of /dev/zero, endless to read.
    const asRoot = process.getuid?.() === 0
    if (asRoot) execFileSync('mknod', [path.join(dir, 'sub', 'zero'), 'c', '1', '5'])

    const shared = await shoal(['share', dir, '--data', dataDir])
    expect(shared.code, shared.out).toBe(0)
    expect(shared.out).toMatch(/shoal:\/\/\w+/)
    await run.waitFor(/\[special\] warning: \/pipe: a named pipe \(FIFO\); skipped/)
    if (asRoot) await run.waitFor(/\[special\] warning: \/sub\/zero: a character device; skipped/)
    expect(await folders(dataDir)).toEqual([expect.objectContaining({ name: 'special', state: 'idle', files: 2 })])
    expect(await run.stop()).toBe(0)
  })
})
