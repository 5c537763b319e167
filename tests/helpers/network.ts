import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import createTestnet from 'hyperdht/testnet'
import type Hyperdrive from 'hyperdrive'
import { Engine, type EngineOptions } from '../../main/engine/engine.ts'
import type { Publish } from '../../main/engine/publish/publish.ts'
import type { TwoWay } from '../../main/engine/twoway/twoway.ts'

// A loopback DHT plus engines bound to 127.0.0.1: real Hyperswarm peers that never leave this machine.
export interface TestNetwork {
  bootstrap: string[]
  tmp: string
  engine(name: string, opts?: Partial<EngineOptions>): Promise<Engine>
  /** Closes one engine (simulating a device going offline); reopen with engine(name) again. */
  stop(engine: Engine): Promise<void>
  destroy(): Promise<void>
}

export async function createTestNetwork(): Promise<TestNetwork> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-it-'))
  const testnet = await createTestnet(3, { host: '127.0.0.1' })
  const bootstrap = testnet.bootstrap.map((b) => `${b.host}:${b.port}`)
  const engines = new Set<Engine>()
  return {
    bootstrap,
    tmp,
    async engine(name, opts = {}) {
      const engine = new Engine({ dataDir: path.join(tmp, 'data-' + name), bootstrap, bind: '127.0.0.1', rescanIntervalMs: 60_000, ...opts })
      engines.add(engine)
      await engine.ready()
      return engine
    },
    async stop(engine) {
      engines.delete(engine)
      await engine.close()
    },
    async destroy() {
      await Promise.all([...engines].map((e) => e.close().catch(() => {})))
      await testnet.destroy()
      await fs.rm(tmp, { recursive: true, force: true })
    }
  }
}

/** The drive a shared folder publishes (tests that write raw entries into it, as a hostile publisher would). */
export function publishedDrive(engine: Engine, folderId: string): Hyperdrive {
  return (engine.folders.get(folderId)!.kind as Publish).drive
}

/** The two-way kind of a folder (tests that look at its Autobase, index or guard). */
export function twoWayOf(engine: Engine, folderId: string): TwoWay | undefined {
  return engine.folders.get(folderId)?.kind as TwoWay | undefined
}
