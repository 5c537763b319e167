import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Engine } from '../../main/engine/engine.ts'
import { dataPaths } from '../../main/engine/data-dir.ts'

// The `shoal` command as a user runs it: exit codes and one-line messages for bad usage and bad
// input, without a running daemon (commands then open the data directory themselves).

const BIN = fileURLToPath(new URL('../../bin/shoal.js', import.meta.url))
const children = new Set<ChildProcess>()
let root: string

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-cli-'))
})

afterEach(() => {
  for (const child of children) child.kill('SIGKILL')
  children.clear()
})

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true })
})

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `shoal <args>` to completion (or kills it after 30 s). */
function shoal(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, SHOAL_DATA: dataDir('default'), SHOAL_BOOTSTRAP: '', SHOAL_BIND: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    children.add(child)
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (d) => (stdout += d))
    child.stderr!.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      children.delete(child)
      resolve({ code, stdout, stderr })
    })
  })
}

const dataDir = (name: string) => path.join(root, name)

describe('shoal: bad usage exits 2 with one line on stderr', () => {
  it('unknown command', async () => {
    const r = await shoal(['--data', dataDir('d1'), 'frobnicate'])
    expect(r.code).toBe(2)
    expect(r.stderr.trim()).toBe("shoal: unknown command 'frobnicate' (see shoal --help)")
    expect(r.stdout).toBe('')
  })

  it('join with a malformed link names the link and creates nothing', async () => {
    const dest = path.join(root, 'never-created')
    const r = await shoal(['--data', dataDir('d2'), 'join', 'not-a-link', dest])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^shoal: .*link/)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/)
    await expect(fs.stat(dest)).rejects.toMatchObject({ code: 'ENOENT' })
    await expect(fs.stat(dataDir('d2'))).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('unknown option, missing argument, extra argument, bad number', async () => {
    const d = dataDir('d3')
    const [unknown, missing, extra, limit] = await Promise.all([
      shoal(['--data', d, 'share', root, '--bogus']),
      shoal(['--data', d, 'restore', 'photos']),
      shoal(['--data', d, 'status', 'now']),
      shoal(['--data', d, 'log', 'photos', '--limit', 'lots'])
    ])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/unknown option '--bogus'.*shoal share --help/)
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/missing <path>/)
    expect(extra.code).toBe(2)
    expect(extra.stderr).toMatch(/unexpected argument 'now'/)
    expect(limit.code).toBe(2)
    expect(limit.stderr).toMatch(/--limit must be a whole number/)
  })

  it('a bad bootstrap list (option or SHOAL_BOOTSTRAP) names the bad entry', async () => {
    const r = await shoal(['--data', dataDir('d4'), 'status'], { SHOAL_BOOTSTRAP: '127.0.0.1:49737,nohost' })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/'nohost' is not host:port/)
    const b = await shoal(['bootstrap', '--host', '0.0.0.0'])
    expect(b.code).toBe(2)
    expect(b.stderr).toMatch(/--host must be/)
  })
})

describe('shoal: input errors from the engine exit 2, other failures 1', () => {
  it('sharing a folder that does not exist, removing an unknown folder', async () => {
    const d = dataDir('d5')
    const share = await shoal(['--data', d, 'share', path.join(root, 'nope')])
    expect(share.code).toBe(2)
    expect(share.stderr).toMatch(/^shoal: Folder .*nope does not exist/)
    const remove = await shoal(['--data', d, 'remove', 'photos'])
    expect(remove.code).toBe(2)
    expect(remove.stderr).toMatch(/No shared or followed folder matches/)
  })

  it('a data directory held by another process: waits for it (saying so), then exits 1 with the reason', async () => {
    const d = dataDir('d6')
    const engine = new Engine({ dataDir: d, network: false })
    await engine.ready()
    try {
      const r = await shoal(['--data', d, 'status'])
      expect(r.code).toBe(1)
      const [waiting, ...rest] = r.stderr.trim().split('\n')
      expect(waiting).toBe(`Waiting for another Shoal process to finish with ${d}...`)
      expect(rest.join('\n')).toMatch(/^shoal: Another Shoal process is using the data directory/)
    } finally {
      await engine.close()
    }
  })
})

describe('shoal: success', () => {
  it('status on an empty data directory exits 0', async () => {
    const r = await shoal(['status', '--data', dataDir('d7')])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/not running/)
    expect(r.stdout).toMatch(/No folders yet/)
    const json = await shoal(['--json', 'status', '--data', dataDir('d7')])
    expect(json.code).toBe(0)
    expect(JSON.parse(json.stdout)).toMatchObject({ running: false, folders: [] })
  })

  it('status ignores a stale daemon.json', async () => {
    const d = dataDir('d8')
    await fs.mkdir(d, { recursive: true })
    await fs.writeFile(dataPaths(d).daemon, JSON.stringify({ pid: 2 ** 22 + 4321, port: 1, token: 'x', url: 'http://127.0.0.1:1' }))
    const r = await shoal(['--data', d, 'status'])
    expect(r.code).toBe(0)
  })

  it('share then log without a daemon (SHOAL_DATA picks the data directory)', async () => {
    const src = path.join(root, 'src')
    await fs.mkdir(src, { recursive: true })
    await fs.writeFile(path.join(src, 'hello.txt'), 'hello')
    const env = { SHOAL_DATA: dataDir('d9') }
    const share = await shoal(['share', src], env)
    expect(share.code).toBe(0)
    const [first, link] = share.stdout.trim().split('\n')
    expect(first).toBe(`Sharing ${src}`)
    expect(link).toMatch(/^shoal:\/\/[a-z0-9]{52}$/)
    const log = await shoal(['log', 'src', '--json'], env)
    expect(log.code).toBe(0)
    expect(JSON.parse(log.stdout)).toEqual([expect.objectContaining({ action: 'added', path: '/hello.txt', size: 5 })])
    // Sharing it again (after a Ctrl-C, or to see the link) finishes the share and prints the same link.
    const again = await shoal(['share', src], env)
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdout.trim().split('\n')).toContain(link)
  })

  it('--help, <command> --help, help <command>, --version', async () => {
    const [help, cmd, helpRestore, version, bare] = await Promise.all([shoal(['--help']), shoal(['join', '--help']), shoal(['help', 'restore']), shoal(['--version']), shoal([])])
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/^Usage: shoal <command>/)
    for (const name of ['share', 'join', 'run', 'bootstrap', 'status', 'restore']) expect(help.stdout).toContain(`  ${name} `)
    expect(cmd.code).toBe(0)
    expect(cmd.stdout).toMatch(/^Usage: shoal join <link> <folder> \[/)
    expect(cmd.stdout).toContain('--no-wait')
    expect(helpRestore.stdout).toMatch(/--to FILE/)
    const pkg = JSON.parse(await fs.readFile(new URL('../../package.json', import.meta.url), 'utf8'))
    expect(version.code).toBe(0)
    expect(version.stdout.trim()).toBe(pkg.version)
    expect(bare.code).toBe(2)
    expect(bare.stderr).toMatch(/^Usage:/)
  })
})
