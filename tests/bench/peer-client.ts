// Parent side of tests/bench/peer.ts: spawns a peer process, sends it commands over IPC, and makes
// sure no peer outlives the benchmark (normal end, error, Ctrl-C or process exit).
import { spawn, type ChildProcess } from 'node:child_process'
import { EventEmitter } from 'node:events'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { MethodName, Params, Result } from '../../shared/api.ts'
import type { ShoalEvent } from '../../shared/events.ts'

const here = path.dirname(fileURLToPath(import.meta.url))
export const repoRoot = path.resolve(here, '..', '..')
const live = new Set<ChildProcess>()

function killAll(): void {
  for (const child of live) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
}
process.on('exit', killAll)
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    killAll()
    process.exit(130)
  })
}

export interface PeerStats {
  peakRss: number
  /** Peak since the previous stats(true). */
  phasePeak: number
  rss: number
  heapUsed: number
  external: number
  cpuMs: number
  warnings: number
}

export interface PeerOptions {
  verbose?: boolean
}

export class Peer {
  readonly name: string
  readonly child: ChildProcess
  /** Forwarded engine events: 'event' (ShoalEvent, with the child's own timestamp in .time). */
  readonly events = new EventEmitter()
  #nextId = 1
  #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; cmd: string }>()
  #exited: Promise<void>

  constructor(name: string, opts: PeerOptions = {}) {
    this.name = name
    this.child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'peer.ts')], {
      cwd: repoRoot,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc']
    })
    live.add(this.child)
    this.events.setMaxListeners(100)
    this.#exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        live.delete(this.child)
        for (const p of this.#pending.values()) p.reject(new Error(`peer ${name} exited (${signal ?? code}) during '${p.cmd}'`))
        this.#pending.clear()
        resolve()
      })
    })
    this.child.on('message', (msg: any) => {
      if (msg && msg.event) {
        const e = msg.event as ShoalEvent
        if (opts.verbose || e.type === 'error' || e.type === 'warning') log(`[${name}] ${e.type} ${JSON.stringify(e).slice(0, 300)}`)
        this.events.emit('event', e)
        return
      }
      const p = this.#pending.get(msg?.id)
      if (!p) return
      this.#pending.delete(msg.id)
      if (msg.ok) p.resolve(msg.result)
      else p.reject(new Error(`peer ${name} '${p.cmd}' failed: ${msg.error}`))
    })
  }

  request<T = unknown>(cmd: string, args?: unknown): Promise<T> {
    if (!this.child.connected) return Promise.reject(new Error(`peer ${this.name} is not running`))
    const id = this.#nextId++
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject, cmd })
      this.child.send({ id, cmd, args })
    })
  }

  /** rescanIntervalMs: the engine's periodic full rescan (peer.ts defaults it to 1 h). */
  start(dataDir: string, bootstrap: string[], opts: { rescanIntervalMs?: number } = {}): Promise<{ pid: number }> {
    return this.request('start', { dataDir, bootstrap, ...opts })
  }

  call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
    return this.request('call', { method, params })
  }

  forward(types: string[], on = true): Promise<void> {
    return this.request('forward', { types, on })
  }

  waitSynced(folder: string, files: number, bytes: number, timeoutMs: number): Promise<{ at: number }> {
    return this.request('waitSynced', { folder, files, bytes, timeoutMs })
  }

  stats(reset = false): Promise<PeerStats> {
    return this.request('stats', { reset })
  }

  /** Closes the engine and exits; kills the process if that hangs. */
  async stop(timeoutMs = 20_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    this.request('exit').catch(() => {})
    const timer = setTimeout(() => this.kill(), timeoutMs)
    await this.#exited
    clearTimeout(timer)
  }

  /** Starts a CPU profile of the peer's main thread; profile(file) stops it and writes it there. */
  profile(file?: string): Promise<void> {
    return this.request('profile', file ? { on: false, file } : { on: true })
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL')
  }
}

export function log(line: string): void {
  process.stderr.write(`${line}\n`)
}
