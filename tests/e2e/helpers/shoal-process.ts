import { spawn, type ChildProcess } from 'node:child_process'
import dgram from 'node:dgram'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

// Real `shoal` processes for end-to-end tests: a private DHT (`shoal bootstrap`) and `shoal run`
// daemons on loopback, each with its own data directory, and one-shot commands run to completion.
// Everything a process prints is kept, so a failing wait can show it.

export const BIN = fileURLToPath(new URL('../../../bin/shoal.js', import.meta.url))
export const DEADLINE_MS = 60_000

export interface ShoalProcess {
  child: ChildProcess
  args: string[]
  output(): string
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>
  /** SIGINT, then SIGKILL if it has not exited after `graceMs`; resolves with the exit code (null if killed). */
  stop(graceMs?: number): Promise<number | null>
}

/**
 * An environment that cannot leak into the user's data directory or the public DHT, nor open a
 * browser (BROWSER=none: `shoal run --open`, open-browser.ts). Daemons get `--port 0` (startDaemon):
 * tests run many at once, and none may take the default port from a Shoal the user runs.
 */
export function cleanEnv(unusedDataDir: string): NodeJS.ProcessEnv {
  return { ...process.env, SHOAL_DATA: unusedDataDir, SHOAL_BOOTSTRAP: '', SHOAL_BIND: '', BROWSER: 'none' }
}

/** Starts a long-running `shoal` process. */
export function startShoal(args: string[], env: NodeJS.ProcessEnv): ShoalProcess {
  return startScript(BIN, args, env)
}

/**
 * Starts a long-running Node script (bin/shoal.js, scripts/start.js) and keeps what it prints.
 * `wrap` runs it through a command that execs it (setpriv: the same process, with fewer rights).
 */
export function startScript(script: string, args: string[], env: NodeJS.ProcessEnv, wrap: string[] = []): ShoalProcess {
  const argv = [...wrap, process.execPath, script, ...args]
  const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] })
  const name = script === BIN ? 'shoal' : path.basename(script)
  let out = ''
  const listeners = new Set<() => void>()
  const onData = (d: Buffer) => {
    out += d.toString()
    for (const l of [...listeners]) l()
  }
  child.stdout!.on('data', onData)
  child.stderr!.on('data', onData)
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const running = () => child.exitCode === null && child.signalCode === null
  return {
    child,
    args,
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
          reject(new Error(`timed out waiting for ${pattern} from ${name} ${args.join(' ')}; output:\n${out}`))
        }, timeoutMs)
        const onExit = () => {
          done()
          reject(new Error(`${name} ${args.join(' ')} exited while waiting for ${pattern}; output:\n${out}`))
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
    stop: async (graceMs = 10_000) => {
      if (!running()) return exited
      child.kill('SIGINT')
      const timer = setTimeout(() => {
        if (running()) child.kill('SIGKILL')
      }, graceMs)
      try {
        return await exited
      } finally {
        clearTimeout(timer)
      }
    }
  }
}

/** How a one-shot `shoal` command exited (null: killed at the deadline) and what it printed. */
export interface ShoalRun {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a one-shot `shoal <args>` to completion, or kills it (SIGKILL) after DEADLINE_MS. */
export function runShoal(args: string[], opts: { env: NodeJS.ProcessEnv; cwd?: string }): Promise<ShoalRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (c) => (stdout += c))
    child.stderr!.on('data', (c) => (stderr += c))
    const timer = setTimeout(() => child.kill('SIGKILL'), DEADLINE_MS)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

export async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4')
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  const { port } = socket.address()
  await new Promise<void>((resolve) => socket.close(() => resolve()))
  return port
}

export interface Daemon {
  name: string
  proc: ShoalProcess
  dataDir: string
  /** The address `shoal run` printed: http://127.0.0.1:PORT/?token=T */
  uiUrl: string
  /** http://127.0.0.1:PORT */
  origin: string
  port: number
  token: string
}

export interface ShoalNetwork {
  bootstrap: string
  daemons: Daemon[]
  /** The environment its processes run with (cleanEnv). */
  env: NodeJS.ProcessEnv
  /** Daemons first (they tell the DHT they are leaving), then the bootstrap node. */
  stop(): Promise<void>
  /** Makes stop() stop a process started later too (a restarted daemon). */
  track(proc: ShoalProcess): void
}

export const UI_URL = /Shoal is running\. API and web UI: (http:\/\/127\.0\.0\.1:(\d+))\/\?token=([0-9a-f]{64})/

/**
 * `shoal run` for `dataDir` on a loopback DHT, ready once it printed its address. `port` 0 (the
 * default) is any free port; a daemon restarted on the same data directory passes its old port.
 */
export async function startDaemon(opts: { name: string; dataDir: string; bootstrap: string; env: NodeJS.ProcessEnv; port?: number; wrap?: string[]; onStart?: (proc: ShoalProcess) => void }): Promise<Daemon> {
  const proc = startScript(BIN, ['run', '--port', String(opts.port ?? 0), '--bind', '127.0.0.1', '--bootstrap', opts.bootstrap, '--data', opts.dataDir], opts.env, opts.wrap)
  opts.onStart?.(proc)
  const m = await proc.waitFor(UI_URL)
  return { name: opts.name, proc, dataDir: opts.dataDir, uiUrl: `${m[1]}/?token=${m[3]}`, origin: m[1], port: Number(m[2]), token: m[3] }
}

/** `shoal bootstrap` on a free UDP port plus one `shoal run --port 0` per name, data in `root/<name>`. */
export async function startNetwork(root: string, names: string[]): Promise<ShoalNetwork> {
  const env = cleanEnv(path.join(root, 'unused'))
  const started: ShoalProcess[] = []
  const stop = async () => {
    const daemons = started.filter((p) => p.args[0] === 'run')
    await Promise.all(daemons.map((p) => p.stop()))
    await Promise.all(started.map((p) => p.stop()))
  }
  try {
    const port = await freeUdpPort()
    const boot = startShoal(['bootstrap', '--host', '127.0.0.1', '--port', String(port)], env)
    started.push(boot)
    await boot.waitFor(/Bootstrap node listening on 127\.0\.0\.1:\d+/)
    const bootstrap = `127.0.0.1:${port}`
    const daemons = await Promise.all(names.map((name) => startDaemon({ name, dataDir: path.join(root, name), bootstrap, env, onStart: (proc) => started.push(proc) })))
    return { bootstrap, daemons, stop, env, track: (proc) => started.push(proc) }
  } catch (err) {
    await stop()
    throw err
  }
}
