import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { BIN, DEADLINE_MS, cleanEnv, freeUdpPort, runShoal } from './helpers/shoal-process.ts'

// Shoal as a user runs it: a private DHT (`shoal bootstrap`), two `shoal run` daemons with their own
// data directories, and one-shot commands that go through the daemons. Real processes, real files,
// real Hyperswarm on loopback. Deadlines are generous: the first loopback connection sometimes
// stalls ~15 s (see STACK.md).

interface Daemon {
  child: ChildProcess
  output(): string
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>
  /** SIGINT, then the exit code. */
  stop(): Promise<number | null>
}

const started: Daemon[] = []
let root: string
let bootstrapAddr: string

/** Starts a long-running `shoal` process and keeps everything it prints. */
function startShoal(args: string[]): Daemon {
  const child = spawn(process.execPath, [BIN, ...args], { env: cleanEnv(path.join(root, 'unused')), stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  const listeners = new Set<() => void>()
  const onData = (d: Buffer) => {
    out += d.toString()
    for (const l of listeners) l()
  }
  child.stdout!.on('data', onData)
  child.stderr!.on('data', onData)
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const daemon: Daemon = {
    child,
    output: () => out,
    waitFor: (pattern, timeoutMs = DEADLINE_MS) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(pattern)
          if (!m) return
          done()
          resolve(m)
        }
        const timer = setTimeout(() => {
          done()
          reject(new Error(`timed out waiting for ${pattern} from shoal ${args.join(' ')}; output:\n${out}`))
        }, timeoutMs)
        const onExit = () => {
          done()
          reject(new Error(`shoal ${args.join(' ')} exited while waiting for ${pattern}; output:\n${out}`))
        }
        function done() {
          clearTimeout(timer)
          listeners.delete(check)
          child.off('exit', onExit)
        }
        listeners.add(check)
        child.once('exit', onExit)
        check()
      }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT')
      return exited
    }
  }
  started.push(daemon)
  return daemon
}

/** Runs a one-shot `shoal` command to completion. */
const shoal = (args: string[]) => runShoal(args, { env: cleanEnv(path.join(root, 'unused')) })

/** Polls `check` until it returns true or the deadline passes; returns the last failure reason. */
async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = DEADLINE_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`timed out: ${what}`)
}

async function readTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const full = path.join(entry.parentPath, entry.name)
    out[path.relative(dir, full).split(path.sep).join('/')] = await fs.readFile(full, 'utf8')
  }
  return out
}

const sameTree = async (a: string, b: string) => JSON.stringify(await readTree(a)) === JSON.stringify(await readTree(b))

let a: Daemon
let b: Daemon
let dataA: string
let dataB: string

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-e2e-'))
  dataA = path.join(root, 'data-a')
  dataB = path.join(root, 'data-b')
  const port = await freeUdpPort()
  const boot = startShoal(['bootstrap', '--host', '127.0.0.1', '--port', String(port)])
  await boot.waitFor(/Bootstrap node listening on 127\.0\.0\.1:\d+/)
  bootstrapAddr = `127.0.0.1:${port}`
  const net = ['--bind', '127.0.0.1', '--bootstrap', bootstrapAddr]
  a = startShoal(['run', '--port', '0', ...net, '--data', dataA])
  b = startShoal(['run', '--port', '0', ...net, '--data', dataB])
  await Promise.all([a.waitFor(/Shoal is running\. API and web UI: http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}/), b.waitFor(/Shoal is running/)])
})

afterAll(async () => {
  for (const d of started) if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill('SIGKILL')
  await fs.rm(root, { recursive: true, force: true })
})

describe('shoal CLI end to end', () => {
  it('shares through A, joins through B, and follows edits and deletes', async () => {
    const src = path.join(root, 'photos')
    const dest = path.join(root, 'photos-copy')
    await fs.mkdir(path.join(src, 'sub', 'deeper'), { recursive: true })
    await fs.writeFile(path.join(src, 'a.txt'), 'alpha\n')
    await fs.writeFile(path.join(src, 'sub', 'b.txt'), 'bravo\n'.repeat(1000))
    await fs.writeFile(path.join(src, 'sub', 'deeper', 'c.bin'), Buffer.alloc(300_000, 7).toString('latin1'))

    const share = await shoal(['share', src, '--data', dataA])
    expect(share.code, share.stderr).toBe(0)
    // Through A's daemon: no "not running" hint, and A's log shows the new folder.
    expect(share.stderr).not.toMatch(/not running/)
    const link = share.stdout.split('\n').find((l) => l.startsWith('shoal://'))!
    expect(link).toMatch(/^shoal:\/\/[a-z0-9]{52}$/)
    await a.waitFor(/\[photos\] added \/a\.txt/)

    const join = await shoal(['join', link, dest, '--no-wait', '--data', dataB])
    expect(join.code, join.stderr).toBe(0)
    expect(join.stdout).toMatch(/Joined/)

    await eventually('B has the same files as A', () => sameTree(src, dest))

    await fs.writeFile(path.join(src, 'a.txt'), 'alpha, edited on A\n')
    await eventually('the edit reaches B', async () => (await fs.readFile(path.join(dest, 'a.txt'), 'utf8')) === 'alpha, edited on A\n')

    await fs.rm(path.join(src, 'sub', 'b.txt'))
    await eventually('the delete reaches B', async () => {
      const gone = await fs.stat(path.join(dest, 'sub', 'b.txt')).then(() => false, () => true)
      return gone && (await sameTree(src, dest))
    })

    await eventually('B reports the folder idle', async () => {
      const status = await shoal(['status', '--json', '--data', dataB])
      const parsed = JSON.parse(status.stdout)
      return status.code === 0 && parsed.running === true && parsed.folders.length === 1 && parsed.folders[0].state === 'idle' && parsed.folders[0].path === dest
    })

    const log = await shoal(['log', 'photos', '--data', dataA])
    expect(log.code, log.stderr).toBe(0)
    expect(log.stdout).toMatch(/^VERSION\s+ACTION/)
    expect(log.stdout).toMatch(/deleted\s+\/sub\/b\.txt/)
    expect(log.stdout).toMatch(/changed\s+.*\/a\.txt/)
    expect(log.stdout).toMatch(/added\s+.*\/sub\/deeper\/c\.bin/)
  })

  it('join without --no-wait returns once the copy is complete', async () => {
    const src = path.join(root, 'docs')
    const dest = path.join(root, 'docs-copy')
    await fs.mkdir(src, { recursive: true })
    for (let i = 0; i < 20; i++) await fs.writeFile(path.join(src, `note-${i}.md`), `# note ${i}\n`.repeat(50 * (i + 1)))
    const share = await shoal(['share', src, '--json', '--data', dataA])
    expect(share.code, share.stderr).toBe(0)
    const info = JSON.parse(share.stdout)
    expect(info).toMatchObject({ kind: 'publish', files: 20, state: 'idle' })

    const join = await shoal(['join', info.link, dest, '--data', dataB])
    expect(join.code, join.stderr).toBe(0)
    expect(join.stdout).toMatch(/^Up to date: .*docs-copy \(version \d+, 20 files/)
    // Not a TTY: progress, if any, is plain lines on stderr, no carriage returns.
    expect(join.stderr).not.toMatch(/\r/)
    expect(await sameTree(src, dest)).toBe(true)

    const peers = await shoal(['peers', '--json', '--data', dataB])
    expect(JSON.parse(peers.stdout).length).toBeGreaterThan(0)
  })

  it('stops every process cleanly on SIGINT with exit code 0', async () => {
    // Daemons first: while they close, they still tell the DHT they are leaving.
    expect(await Promise.all([a.stop(), b.stop()])).toEqual([0, 0])
    expect(await Promise.all(started.map((d) => d.stop()))).toEqual(started.map(() => 0))
    await expect(fs.stat(path.join(dataA, 'daemon.json'))).rejects.toMatchObject({ code: 'ENOENT' })
    await expect(fs.stat(path.join(dataB, 'daemon.json'))).rejects.toMatchObject({ code: 'ENOENT' })
    expect(a.output()).toMatch(/Stopping \(SIGINT\)/)
  })
})
