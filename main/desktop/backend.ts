import { Engine, type EngineOptions } from '../engine/engine.ts'
import { DaemonServer } from '../daemon/server.ts'
import { DaemonClient, type Subscription } from '../daemon/client.ts'
import { ShoalError } from '../../shared/errors.ts'
import type { MethodName, Params, Result, ShoalApi } from '../../shared/api.ts'
import type { ShoalEvent } from '../../shared/events.ts'
import { letGo } from '../../shared/let-go.ts'

// What the desktop window talks to. Normally the app runs the engine itself (async I/O in the main
// process) plus the local API server, so `shoal status` and the browser UI work while the app is open.
// A data directory holds one engine at a time (Corestore's lock): when `shoal run` already owns it, the
// app becomes a client of that daemon instead of failing, and takes over when the daemon stops.
// No `electron` here, so it runs (and is tested) in plain Node.

export type BackendMode = 'engine' | 'client'

export interface BackendOptions {
  dataDir: string
  /** The built UI, served by the API server to browsers (the CLI's `shoal run` does the same). */
  staticDir?: string
  /**
   * The API server's port (0: any free one; tests). Default: the stored setting, and when another
   * program has it, any free port with a line in the log: the window needs no port, so the app starts anyway.
   */
  port?: number
  /** Extra engine options (tests turn the network off). */
  engine?: Partial<Omit<EngineOptions, 'dataDir'>>
  /** Called after every (re)start, so views rebuild from the new source. */
  onStart?: (mode: BackendMode) => void
  log?: (line: string) => void
  /** How long to keep trying to take over after a daemon went away. */
  retryMs?: number
}

export class Backend implements ShoalApi {
  readonly opts: BackendOptions
  mode: BackendMode | null = null
  #engine: Engine | null = null
  #server: DaemonServer | null = null
  #client: DaemonClient | null = null
  #subscription: Subscription | null = null
  #starting: Promise<void> | null = null
  #closing = false
  #listeners = new Set<(event: ShoalEvent) => void>()

  constructor(opts: BackendOptions) {
    this.opts = opts
  }

  /** The API server's address for browsers, in engine mode. */
  get uiUrl(): string | null {
    return this.#server?.uiUrl ?? null
  }

  onEvent(listener: (event: ShoalEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  start(): Promise<void> {
    if (!this.#starting) this.#starting = this.#open()
    return this.#starting
  }

  async call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
    await this.start()
    const api: ShoalApi | null = this.#engine ?? this.#client
    if (!api) throw new ShoalError('DAEMON_UNREACHABLE', 'Shoal is restarting its engine; try again in a moment')
    return api.call(method, params)
  }

  async close(): Promise<void> {
    this.#closing = true
    await this.#starting?.catch(letGo) // stopping anyway: a failed start was reported to its caller
    await this.#stopCurrent()
  }

  #emit = (event: ShoalEvent): void => {
    for (const listener of this.#listeners) {
      try {
        listener(event)
      } catch (err) {
        this.opts.log?.(`event listener failed: ${(err as Error).message}`)
      }
    }
  }

  async #open(): Promise<void> {
    const client = await DaemonClient.find(this.opts.dataDir)
    if (client) return this.#useClient(client)
    try {
      await this.#useEngine()
    } catch (err) {
      // A `shoal run` may have started between the check and the open: use it after all.
      const late = err instanceof ShoalError && err.code === 'DATA_DIR_LOCKED' ? await DaemonClient.find(this.opts.dataDir) : null
      if (!late) throw err
      await this.#useClient(late)
    }
  }

  async #useEngine(): Promise<void> {
    const engine = new Engine({ ...this.opts.engine, dataDir: this.opts.dataDir })
    // Listening before ready(): the startup events (scans, folders that failed to open) are not lost.
    engine.events.on('event', this.#emit)
    let server: DaemonServer | null = null
    try {
      await engine.ready()
      server = await this.#serve(engine)
    } catch (err) {
      engine.events.off('event', this.#emit)
      await server?.close().catch(letGo) // already failing: the start's error is the one to report
      await engine.close().catch(letGo) // likewise
      throw err
    }
    engine.uiPort = server.port
    this.#engine = engine
    this.#server = server
    this.mode = 'engine'
    this.opts.log?.(`engine running; API and web UI at ${server.uiUrl}`)
    this.opts.onStart?.('engine')
  }

  /** The API server for browsers and the CLI, on the configured port or, when that is taken, on any. */
  async #serve(engine: Engine): Promise<DaemonServer> {
    const make = (port: number) => new DaemonServer({ api: engine, port, dataDir: this.opts.dataDir, ...(this.opts.staticDir ? { staticDir: this.opts.staticDir } : {}) })
    const port = this.opts.port ?? engine.config.uiPort
    const server = make(port)
    try {
      await server.ready()
      return server
    } catch (err) {
      await server.close().catch(letGo) // never listened
      if (!(err instanceof ShoalError && err.code === 'PORT_IN_USE') || port === 0) throw err
      this.opts.log?.(`port ${port} is in use by another program; the web UI gets another port this time`)
      const fallback = make(0)
      await fallback.ready().catch(async (e) => {
        await fallback.close().catch(letGo) // the ready() error is the one to report
        throw e
      })
      return fallback
    }
  }

  async #useClient(client: DaemonClient): Promise<void> {
    const subscription = client.subscribe(0, this.#emit)
    await subscription.ready
    this.#client = client
    this.#subscription = subscription
    this.mode = 'client'
    this.opts.log?.(`using the running shoal daemon at ${client.url}`)
    this.opts.onStart?.('client')
    subscription.closed.then((err) => {
      if (this.#closing || this.#subscription !== subscription) return
      this.opts.log?.(`the shoal daemon went away (${err?.message ?? 'closed'}); taking over`)
      this.#takeOver().catch((e) => this.opts.log?.(`could not take over: ${(e as Error).message}`))
    })
  }

  /** After the daemon we used stopped: start our own engine once its lock is free (or use a new daemon). */
  async #takeOver(): Promise<void> {
    await this.#stopCurrent()
    const deadline = Date.now() + (this.opts.retryMs ?? 30_000)
    for (;;) {
      this.#starting = this.#open()
      try {
        return await this.#starting
      } catch (err) {
        if (this.#closing || Date.now() > deadline) throw err
        await new Promise((resolve) => setTimeout(resolve, 500))
      }
    }
  }

  async #stopCurrent(): Promise<void> {
    const { engine, server, subscription } = { engine: this.#engine, server: this.#server, subscription: this.#subscription }
    this.#engine = this.#server = this.#client = this.#subscription = null
    this.mode = null
    subscription?.close()
    if (server) await server.close().catch((err) => this.opts.log?.(`closing the API server: ${(err as Error).message}`))
    if (engine) {
      engine.events.off('event', this.#emit)
      await engine.close().catch((err) => this.opts.log?.(`closing the engine: ${(err as Error).message}`))
    }
  }
}
