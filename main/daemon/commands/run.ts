import type { Command } from './types.ts'
import { UsageError, expectArgs, intOption, type GlobalOptions } from '../args.ts'
import { Engine } from '../../engine/engine.ts'
import { loadConfig } from '../../engine/config.ts'
import { dataPaths } from '../../engine/data-dir.ts'
import { DaemonServer } from '../server.ts'
import { DaemonClient } from '../client.ts'
import { builtUiDir } from '../ui-dir.ts'
import { StateLineFilter, eventLine, folderLine } from '../event-lines.ts'
import { shortId } from '../../../shared/device-label.ts'
import { untilSignal } from '../signals.ts'
import { markStarting } from '../starting-mark.ts'
import { whileLocked } from '../data-dir-wait.ts'
import { letGo } from '../../../shared/let-go.ts'
import { checkPortFree } from '../ui-port.ts'
import { browserOpener, launchOpener } from '../open-browser.ts'
import { ShoalError, toShoalError } from '../../../shared/errors.ts'
import { DEFAULT_UI_PORT } from '../../../shared/ui-port.ts'
import type { ShoalEvent } from '../../../shared/events.ts'

/**
 * How long a clean stop may take before the process exits anyway. The engine leaves a folder
 * that does not close behind after FOLDER_CLOSE_MS (engine.ts), so this only catches the rest.
 */
export const STOP_DEADLINE_MS = 10_000

export const run: Command = {
  name: 'run',
  usage: 'run [--port N] [--open]',
  summary: 'Run Shoal: sync every folder and serve the API and web UI on 127.0.0.1',
  details: [
    'Keeps running until Ctrl-C (SIGINT) or SIGTERM. While it runs, the other commands go',
    'through it. Logs one line per change, peer and error; --json logs one JSON event per line.',
    '',
    `The web UI is at http://127.0.0.1:${DEFAULT_UI_PORT}/?token=... unless another port is stored`,
    "('shoal settings --ui-port N'); the token stays the same across restarts ('shoal ui-url').",
    '',
    'Options:',
    '  --port N   Port for the API and web UI on 127.0.0.1 for this run (default: the stored',
    `             setting, ${DEFAULT_UI_PORT} unless changed; 0: any free port). A taken port is an error.`,
    '  --open     Open the web UI in the browser once it is ready (not in CI, nor without a display)'
  ].join('\n'),
  options: { port: { type: 'string' }, open: { type: 'boolean' } },
  async run(ctx) {
    expectArgs(ctx.args, [], 'run')
    const flagPort = intOption(ctx.values, 'port', 'run', 0)
    if (flagPort !== undefined && flagPort > 65535) throw new UsageError(`run: --port must be a port number (0-65535), not '${flagPort}'`, 'run')
    const { global, io } = ctx
    // Corestore's lock would refuse anyway; this says where the running one is.
    const running = await DaemonClient.find(global.dataDir)
    if (running) throw alreadyRunning(global.dataDir, running)
    // The stored port is read before the engine opens every folder, so a taken port fails at once.
    const port = flagPort ?? (await loadConfig(dataPaths(global.dataDir).config)).uiPort
    await checkPortFree(port)
    const staticDir = builtUiDir()
    const stopping = untilSignal({
      deadlineMs: STOP_DEADLINE_MS,
      onLate: () => {
        io.err(`Shoal did not stop within ${STOP_DEADLINE_MS / 1000} s; exiting anyway.`)
        process.exit(1)
      }
    })
    let log: ((event: ShoalEvent) => void) | null = null
    // A stray rejection deep in the network stack must not take every folder down with it.
    const onRejection = (err: unknown) => io.err(`internal error (still running): ${(err as Error)?.stack ?? String(err)}`)
    process.on('unhandledRejection', onRejection)
    const open: { engine?: Engine; server?: DaemonServer; stopped?: boolean } = {}
    let unmark = async () => {}
    try {
      // Other commands see the mark and wait for this daemon instead of taking the lock (starting-mark.ts).
      unmark = await markStarting(global.dataDir)
      const starting = (async () => {
        // A one-shot command (a status poll) may hold the data directory for a moment: wait for it.
        open.engine = await whileLocked(() => openEngine(global), {
          onRetry: async (retry) => {
            if (open.stopped) throw new ShoalError('DATA_DIR_LOCKED', 'stopped while waiting for the data directory')
            const other = await DaemonClient.find(global.dataDir)
            if (other) throw alreadyRunning(global.dataDir, other)
            if (retry === 1 && !global.json) io.err(`Waiting for another Shoal process to finish with ${global.dataDir}...`)
          }
        })
        if (open.stopped) return
        open.server = new DaemonServer({ api: open.engine, port, dataDir: global.dataDir, ...(staticDir ? { staticDir } : {}) })
        await open.server.ready() // a port taken since checkPortFree: the same PORT_IN_USE error
        open.engine.uiPort = open.server.port
        await unmark() // daemon.json says where this daemon answers now
      })()
      // A signal while folders are still opening stops at once, too.
      const early = await Promise.race([starting.then(() => null), stopping])
      if (early) {
        open.stopped = true
        await starting.catch(letGo) // stopping anyway: a startup error no longer matters
        if (!global.json) io.err(`Stopping (${early})...`)
        return 0
      }
      const engine = open.engine!
      const server = open.server!
      const folders = await engine.call('folders.list', {})
      if (global.json) {
        io.out(JSON.stringify({ running: true, ...server.info, uiUrl: server.uiUrl, dataDir: global.dataDir, folders }))
      } else {
        io.out(`Shoal is running. API and web UI: ${server.uiUrl}`)
        if (!staticDir) io.out("(The web UI is not built yet: run 'npm run build:ui' and reload.)")
        io.out(`Data: ${global.dataDir}   Network: ${engine.bootstrap.length ? `private DHT via ${engine.bootstrap.join(',')}` : 'public DHT'}${engine.bind ? `, bound to ${engine.bind}` : ''}`)
        if (folders.length === 0) io.out("No folders yet: 'shoal share <folder>', 'shoal join <link> <folder>' or 'shoal sync <folder>' in another terminal.")
        for (const f of folders) io.out(folderLine(f))
      }
      if (ctx.values.open === true) await openUi(server.uiUrl, (line) => (global.json ? io.err(line) : io.out(line)))
      // Remembered, because a removed folder's last event arrives after the engine forgot it.
      const names = new Map(folders.map((f) => [f.id, f.name]))
      const name = (id: string) => {
        const current = engine.folders.get(id)?.config.name
        if (current) names.set(id, current)
        return current ?? names.get(id) ?? id
      }
      // A device's name as last heard (a device new to this one says it just after connecting).
      const peerName = (id: string) => engine.known.get(id)?.name ?? `device ${shortId(id)}`
      const filter = new StateLineFilter()
      for (const f of folders) filter.setKind(f.id, f.kind)
      const logEvent = (event: ShoalEvent) => {
        if (global.json) return io.out(JSON.stringify(event))
        if (!filter.keep(event)) return
        const line = eventLine(event, name, peerName)
        if (line) io.out(line)
      }
      // Startup events (scans, errors of folders that failed to open) first, then live ones; the
      // log emits synchronously, so nothing falls between the two. Earlier runs' activity, read
      // back for the UI (restoredSeq), was logged by those runs.
      for (const event of engine.events.since(engine.events.restoredSeq).events) logEvent(event)
      engine.events.on('event', logEvent)
      log = logEvent
      const signal = await stopping
      if (!global.json) io.err(`Stopping (${signal})...`)
      return 0
    } catch (err) {
      throw toShoalError(err)
    } finally {
      await open.server?.close().catch((err) => io.err(`closing the API server: ${(err as Error).message}`))
      // Still logging while closing: a folder left behind says so (engine.ts #closeFolder).
      await open.engine?.close().catch((err) => io.err(`closing the engine: ${(err as Error).message}`))
      if (log) open.engine?.events.off('event', log)
      await unmark().catch(letGo) // a start that failed: nobody should wait for it
      process.off('unhandledRejection', onRejection)
    }
  }
}

function alreadyRunning(dataDir: string, running: DaemonClient): ShoalError {
  return new ShoalError('DATA_DIR_LOCKED', `shoal run is already running for ${dataDir} (API at ${running.url})`)
}

/** The engine of this data directory, open, or the reason it cannot open (DATA_DIR_LOCKED: try again). */
async function openEngine(global: GlobalOptions): Promise<Engine> {
  const engine = new Engine({
    dataDir: global.dataDir,
    network: true,
    ...(global.bootstrap ? { bootstrap: global.bootstrap } : {}),
    ...(global.bind !== undefined ? { bind: global.bind } : {})
  })
  try {
    await engine.ready()
    return engine
  } catch (err) {
    await engine.close().catch(letGo) // the open's error is the one to report
    throw err
  }
}

/** `--open`: the browser on the UI, where there is a desktop to show it (open-browser.ts says when). */
async function openUi(url: string, say: (line: string) => void): Promise<void> {
  const opener = browserOpener(url)
  if (!opener.open) return say(`Not opening a browser (${opener.reason}); open the address above.`)
  const failed = await launchOpener(opener)
  say(failed ? `Could not open a browser (${failed}); open the address above.` : 'Opened it in your browser.')
}
