// One benchmark peer: a child process running one Engine, driven by the parent over the
// child_process IPC channel. Requests: { id, cmd, args }; replies: { id, ok, result | error };
// forwarded engine events: { event }.
import { Engine } from '../../main/engine/engine.ts'
import type { MethodName } from '../../shared/api.ts'
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
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss)
}, 100)
sampler.unref()

// Always forwarded (rare and useful for stage timing); 'file-changed' only when asked (5,000 files
// would mean 5,000 IPC messages during the measured sync).
const forwarded = new Set<string>(['folder-state', 'peer-joined', 'peer-left', 'error'])
let warnings = 0
const waiters = new Set<() => void>()

function onEvent(e: ShoalEvent): void {
  if (e.type === 'warning' && warnings++ < 5) send({ event: e })
  if (forwarded.has(e.type)) send({ event: e })
  for (const check of waiters) check()
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
    const check = () => {
      const f = e.folders.get(args.folder)
      if (!f) return done(new Error(`no folder ${args.folder}`))
      const info = f.info()
      if (info.state === 'error') return done(new Error(`folder error: ${info.error}`))
      if (info.state === 'idle' && info.files === args.files && info.bytes === args.bytes && info.version === info.remoteVersion) done(null, { at: Date.now(), info })
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
      engine = new Engine({ dataDir: req.args.dataDir, bootstrap: req.args.bootstrap, bind: '127.0.0.1', rescanIntervalMs: 3_600_000 })
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
    case 'stats': {
      const mem = process.memoryUsage()
      peakRss = Math.max(peakRss, mem.rss)
      const cpu = process.cpuUsage()
      return { peakRss, rss: mem.rss, heapUsed: mem.heapUsed, external: mem.external, cpuMs: (cpu.user + cpu.system) / 1000, warnings }
    }
    case 'close':
    case 'exit':
      await engine?.close()
      engine = null
      // Exiting normally (not by a signal) lets --cpu-prof write its profile.
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
