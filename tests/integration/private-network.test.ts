import { describe, it, expect } from 'vitest'
import { networkPerTest } from '../helpers/network.ts'

// With a bootstrap list set, the engine's DHT knows only those nodes: nothing is sent to the
// public bootstrap servers (whose addresses are Hyperswarm's built-in defaults).

const net = networkPerTest()

describe('a private network', () => {
  it('uses only the configured bootstrap nodes', async () => {
    const engine = await net.engine('a')
    const dht = engine.swarm.swarm!.dht as unknown as { bootstrapNodes: Array<{ host: string; port: number }> }
    expect(dht.bootstrapNodes.map((n) => `${n.host}:${n.port}`)).toEqual(net.bootstrap)
    expect(dht.bootstrapNodes.every((n) => n.host === '127.0.0.1')).toBe(true)
  })

  it('keeps the stored bootstrap list across restarts and uses it when no flag overrides it', async () => {
    // Offline while the list is stored: with no list yet, going online would mean the public DHT.
    const first = await net.engine('b', { bootstrap: undefined, network: false })
    await first.call('settings.set', { bootstrap: net.bootstrap })
    await net.stop(first)
    const again = await net.engine('b', { bootstrap: undefined })
    const dht = again.swarm.swarm!.dht as unknown as { bootstrapNodes: Array<{ host: string; port: number }> }
    expect(dht.bootstrapNodes.map((n) => `${n.host}:${n.port}`)).toEqual(net.bootstrap)
    expect((await again.call('settings.get', {})).active).toEqual({ bootstrap: net.bootstrap, bind: '127.0.0.1' })
  })
})
