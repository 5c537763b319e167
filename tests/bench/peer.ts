// One benchmark peer: a child process running one Engine, driven by the parent over the
// child_process IPC channel. Requests: { id, cmd, args }; replies: { id, ok, result | error };
// forwarded engine events: { event }.
import fs from 'node:fs/promises'
import { Session } from 'node:inspector/promises'
import { Engine } from '../../main/engine/engine.ts'
import type { MethodName } from '../../shared/api.ts'
import type { TwoWay } from '../../main/engine/twoway/twoway.ts'
import type { ShoalEvent } from '../../shared/events.ts'

interface Request {
  id: number
  cmd: string
  args?: any
}

if (!process.send) {
  console.error('peer.ts must be started by the benchmark with an IPC channel')
  process.exit(2)
}
const send = (msg: unknown) => process.send!(msg)

let engine: Engine | null = null
let peakRss = process.memoryUsage().rss
let phasePeak = peakRss // peak since the last stats({ reset: true })
const sampler = setInterval(() => {
  const rss = process.memoryUsage().rss
  peakRss = Math.max(peakRss, rss)
  phasePeak = Math.max(phasePeak, rss)
}, 100)
sampler.unref()

// Always forwarded (rare or throttled, and useful for stage timing); 'file-changed' only when asked (5,000 files
// would mean 5,000 IPC messages during the measured sync).
const forwarded = new Set<string>(['folder-state', 'progress', 'peer-joined', 'peer-left', 'error'])
let warnings = 0
const waiters = new Set<() => void>()
let profiler: Session | null = null

function onEvent(e: ShoalEvent): void {
  if (e.type === 'warning' && warnings++ < 5) send({ event: e })
  if (forwarded.has(e.type)) send({ event: e })
  if (e.type === 'folder-state' || e.type === 'progress') for (const check of waiters) check()
}

/** CPU profile of one phase (V8 sampling profiler over the inspector), written as .cpuprofile. */
async function profile(args: { on: boolean; file?: string }): Promise<void> {
  if (args.on) {
    profiler = new Session()
    profiler.connect()
    await profiler.post('Profiler.enable')
    await profiler.post('Profiler.setSamplingInterval', { interval: 200 })
    await profiler.post('Profiler.start')
    return
  }
  if (!profiler) return
  const { profile: data } = await profiler.post('Profiler.stop')
  profiler.disconnect()
  profiler = null
  if (args.file) await fs.writeFile(args.file, JSON.stringify(data))
}

/** Resolves once the folder is idle and holds exactly the expected number of files and bytes. */
function waitSynced(args: { folder: string; files: number; bytes: number; timeoutMs: number }): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const e = engine!
    const done = (err: Error | null, value?: unknown) => {
      clearInterval(poll)
      clearTimeout(timer)
      waiters.delete(check)
      if (err) reject(err)
      else resolve(value)
    }
    // Plain fields, not info(): info() computes rates and links, too costly to call every 10 ms.
    const check = () => {
      const f = e.folders.get(args.folder)
      if (!f) return done(new Error(`no folder ${args.folder}`))
      const s = f.status
      if (s.state === 'error') return done(new Error(`folder error: ${s.error}`))
      if (s.state === 'idle' && s.files === args.files && s.bytes === args.bytes && s.version >= (f.kind.info?.().remoteVersion ?? s.version)) done(null, { at: Date.now() })
    }
    const poll = setInterval(check, 10)
    const timer = setTimeout(() => {
      const info = e.folders.get(args.folder)?.info()
      done(new Error(`not synced after ${args.timeoutMs} ms: ${JSON.stringify({ state: info?.state, files: info?.files, bytes: info?.bytes, progress: info?.progress })}`))
    }, args.timeoutMs)
    waiters.add(check)
    check()
  })
}

async function handle(req: Request): Promise<unknown> {
  switch (req.cmd) {
    case 'start': {
      // Periodic full rescan: the engine's default with a working watcher (1 h) unless the bench asks
      // for another (scale-bench.ts --rescan-interval-s 60: what a failing watcher costs).
      const rescanIntervalMs = req.args.rescanIntervalMs ?? 3_600_000
      engine = new Engine({ dataDir: req.args.dataDir, bootstrap: req.args.bootstrap, bind: '127.0.0.1', rescanIntervalMs })
      engine.events.on('event', onEvent)
      await engine.ready()
      return { pid: process.pid }
    }
    case 'call':
      return engine!.call(req.args.method as MethodName, req.args.params)
    case 'forward':
      for (const t of req.args.types as string[]) {
        if (req.args.on) forwarded.add(t)
        else forwarded.delete(t)
      }
      return null
    case 'waitSynced':
      return waitSynced(req.args)
    case 'profile':
      return profile(req.args)
    case 'diskPasses': {
      // A two-way folder's latest disk passes (twoway-large.ts); [] for other kinds.
      const kind = engine!.folders.get(req.args.folder)?.kind as Partial<TwoWay> | undefined
      return kind?.diskPasses ?? []
    }
    case 'diskPassTime': {
      const kind = engine!.folders.get(req.args.folder)?.kind as Partial<TwoWay> | undefined
      return kind?.diskPassTime ?? null
    }
    case 'stats': {
      const mem = process.memoryUsage()
      peakRss = Math.max(peakRss, mem.rss)
      const peak = Math.max(phasePeak, mem.rss)
      if (req.args?.reset) phasePeak = mem.rss
      const cpu = process.cpuUsage()
      return { peakRss, phasePeak: peak, rss: mem.rss, heapUsed: mem.heapUsed, external: mem.external, cpuMs: (cpu.user + cpu.system) / 1000, warnings }
    }
    case 'close':
    case 'exit':
      await engine?.close()
      engine = null
      if (req.cmd === 'exit') setTimeout(() => process.exit(0), 20)
      return null
    default:
      throw new Error(`unknown command ${req.cmd}`)
  }
}

process.on('message', (req: Request) => {
  handle(req).then(
    (result) => send({ id: req.id, ok: true, result }),
    (err) => send({ id: req.id, ok: false, error: String((err as Error)?.stack ?? err) })
  )
})

// The parent went away (crash, Ctrl-C): do not linger holding ports and temp dirs.
process.on('disconnect', () => process.exit(0))
