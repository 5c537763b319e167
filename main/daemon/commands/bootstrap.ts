import net from 'node:net'
import HyperDHT from 'hyperdht'
import type { Command } from './types.ts'
import { UsageError, expectArgs, intOption } from '../args.ts'
import { untilSignal } from '../signals.ts'
import { ShoalError } from '../../../shared/errors.ts'
import { letGo } from '../../../shared/let-go.ts'

export const DEFAULT_BOOTSTRAP_PORT = 49737

export const bootstrap: Command = {
  name: 'bootstrap',
  usage: 'bootstrap [--host H] [--port P]',
  summary: 'Run a private DHT so peers find each other without the public network',
  details: [
    'Runs a DHT bootstrap node plus one persistent DHT node (a private network needs both).',
    'Give every device --bootstrap H:P (or SHOAL_BOOTSTRAP=H:P, or shoal settings --bootstrap H:P).',
    '',
    'Options:',
    '  --host H   IPv4 address peers reach this computer at (default 127.0.0.1)',
    `  --port P   UDP port (default ${DEFAULT_BOOTSTRAP_PORT})`
  ].join('\n'),
  options: { host: { type: 'string' }, port: { type: 'string' } },
  async run(ctx) {
    expectArgs(ctx.args, [], 'bootstrap')
    const host = (ctx.values.host as string | undefined) ?? '127.0.0.1'
    const port = intOption(ctx.values, 'port', 'bootstrap') ?? DEFAULT_BOOTSTRAP_PORT
    if (!net.isIPv4(host) || host === '0.0.0.0') {
      throw new UsageError(`bootstrap: --host must be the IPv4 address peers use to reach this computer, not '${host}'`, 'bootstrap')
    }
    if (port > 65535) throw new UsageError(`bootstrap: --port must be at most 65535`, 'bootstrap')
    // On loopback, bind there too: traffic stays on the machine and nothing waits for a NAT check.
    // Other addresses may belong to a NAT in front of this computer, so those bind all interfaces.
    const bind = host.startsWith('127.') ? { host } : {}
    const nodes: HyperDHT[] = []
    const stopping = untilSignal()
    try {
      const boot = HyperDHT.bootstrapper(port, host, bind)
      nodes.push(boot)
      await boot.ready().catch((err: NodeJS.ErrnoException) => {
        if (err?.code === 'EADDRINUSE' || /in use/i.test(String(err?.message))) {
          throw new ShoalError('INTERNAL', `UDP port ${port} is already in use (is another bootstrap node running?); choose another with --port`)
        }
        throw err
      })
      const persistent = new HyperDHT({ bootstrap: [{ host, port }], ephemeral: false, firewalled: false, ...bind })
      nodes.push(persistent)
      await persistent.fullyBootstrapped()
      const value = `${host}:${port}`
      if (ctx.global.json) {
        ctx.io.out(JSON.stringify({ listening: true, host, port, bootstrap: value }))
      } else {
        ctx.io.out(`Bootstrap node listening on ${value}`)
        ctx.io.out(`Give peers: --bootstrap ${value}   (or SHOAL_BOOTSTRAP=${value})`)
      }
      const signal = await stopping
      if (!ctx.global.json) ctx.io.err(`Stopping (${signal})...`)
      return 0
    } finally {
      for (const node of nodes.reverse()) await node.destroy().catch(letGo) // stopping anyway: a node that fails to stop ends with the process
    }
  }
}
