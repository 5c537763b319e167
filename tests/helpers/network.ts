import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import createTestnet from 'hyperdht/testnet'
import { afterEach, beforeEach } from 'vitest'
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
  /**
   * Cuts the link between two devices (each refuses the other; restarts keep the cut), while both
   * still reach every other device. Devices are named by their engines (any engine of a device:
   * its key survives restarts).
   */
  partition(a: Engine, b: Engine): void
  /** Restores a link cut by partition(); the two connect again within a DHT lookup. */
  heal(a: Engine, b: Engine): void
  /** Whether two running engines hold a connection to each other. */
  connected(a: Engine, b: Engine): boolean
  destroy(): Promise<void>
}

// What the tests reach of Hyperswarm beyond the engine's types: its peer records (a refused peer is
// banned and never redialled) and a topic's discovery (looked up again to redial).
interface SwarmInternals {
  peers: Map<string, { ban(banned: boolean): void }>
  status(topic: Buffer): { refresh(): Promise<void> } | null
}

const hex = (key: Buffer) => key.toString('hex')
const link = (a: Buffer, b: Buffer) => [hex(a), hex(b)].sort().join('-')

export async function createTestNetwork(): Promise<TestNetwork> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-it-'))
  const testnet = await createTestnet(3, { host: '127.0.0.1' })
  const bootstrap = testnet.bootstrap.map((b) => `${b.host}:${b.port}`)
  const engines = new Set<Engine>()
  const cut = new Set<string>()
  const isCut = (engine: Engine, remote: Buffer) => cut.has(link(engine.deviceKey, remote))
  const running = (e: Engine) => [...engines].find((x) => x.deviceKey?.equals(e.deviceKey) && !x.closing) ?? null
  const connectionsTo = (e: Engine, other: Engine) => [...(e.swarm?.swarm?.connections ?? [])].filter((c) => c.remotePublicKey.equals(other.deviceKey))

  return {
    bootstrap,
    tmp,
    async engine(name, opts = {}) {
      const engine: Engine = new Engine({
        dataDir: path.join(tmp, 'data-' + name),
        bootstrap,
        bind: '127.0.0.1',
        rescanIntervalMs: 60_000,
        firewall: (remote) => isCut(engine, remote),
        ...opts
      })
      engines.add(engine)
      await engine.ready()
      // A connection already being set up when the link was cut opens afterwards: drop it too.
      engine.swarm.swarm?.on('connection', (conn: { remotePublicKey: Buffer; destroy(): void }) => {
        if (isCut(engine, conn.remotePublicKey)) conn.destroy()
      })
      return engine
    },
    async stop(engine) {
      engines.delete(engine)
      await engine.close()
    },
    partition(a, b) {
      cut.add(link(a.deviceKey, b.deviceKey))
      const [ra, rb] = [running(a), running(b)]
      if (ra && rb) for (const conn of [...connectionsTo(ra, rb), ...connectionsTo(rb, ra)]) conn.destroy()
    },
    heal(a, b) {
      cut.delete(link(a.deviceKey, b.deviceKey))
      const pair = [running(a), running(b)].filter((e): e is Engine => e !== null)
      // Lift the bans first on both sides, so neither refuses the other's dial.
      for (const e of pair) {
        const other = e.deviceKey.equals(a.deviceKey) ? b : a
        ;(e.swarm.swarm as unknown as SwarmInternals | null)?.peers.get(hex(other.deviceKey))?.ban(false)
      }
      for (const e of pair) {
        const hs = e.swarm.swarm as unknown as SwarmInternals | null
        for (const folder of e.folders.values()) {
          const topic = folder.kind.topics()[0]
          // A failed lookup only delays the reconnect until the next one.
          if (topic) hs?.status(topic)?.refresh().catch(() => {})
        }
      }
    },
    connected(a, b) {
      return connectionsTo(a, b).length > 0
    },
    async destroy() {
      await Promise.all([...engines].map((e) => e.close().catch(() => {})))
      await testnet.destroy()
      await fs.rm(tmp, { recursive: true, force: true })
    }
  }
}

/**
 * A fresh network for every test of the file that calls this at its top level: made before each
 * test, destroyed after it. The object returned stays the same; each test finds it holding its own.
 */
export function networkPerTest(): TestNetwork {
  const net = {} as TestNetwork
  beforeEach(async () => {
    Object.assign(net, await createTestNetwork())
  })
  afterEach(async () => {
    await net.destroy()
  })
  return net
}

/** The drive a shared folder publishes (tests that write raw entries into it, as a hostile publisher would). */
export function publishedDrive(engine: Engine, folderId: string): Hyperdrive {
  return (engine.folders.get(folderId)!.kind as Publish).drive
}

/** The two-way kind of a folder (tests that look at its Autobase, index or guard). */
export function twoWayOf(engine: Engine, folderId: string): TwoWay | undefined {
  return engine.folders.get(folderId)?.kind as TwoWay | undefined
}
