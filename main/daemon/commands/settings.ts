import type { Command } from './types.ts'
import { printJson } from './types.ts'
import { expectArgs } from '../args.ts'
import { withApi } from '../api-access.ts'
import { parseBootstrap } from '../../engine/network/bootstrap.ts'
import type { Settings } from '../../../shared/folder.ts'

export const settings: Command = {
  name: 'settings',
  usage: 'settings [--device-name X] [--bootstrap L] [--bind A]',
  summary: 'Show or change the stored settings',
  details: [
    'Without options, shows the settings. Network changes apply when shoal run starts again.',
    '',
    'Options:',
    '  --device-name X   Name other devices see (used in conflict copies)',
    "  --bootstrap L     Private DHT bootstrap nodes, host:port,... ('' = the public DHT)",
    "  --bind A          Local address for the network ('' = all interfaces)"
  ].join('\n'),
  options: { 'device-name': { type: 'string' } },
  async run(ctx) {
    expectArgs(ctx.args, [], 'settings')
    // Only what is on the command line is stored (SHOAL_BOOTSTRAP / SHOAL_BIND are per-run overrides).
    const change: { deviceName?: string; bootstrap?: string[]; bind?: string } = {}
    if (ctx.values['device-name'] !== undefined) change.deviceName = ctx.values['device-name'] as string
    if (ctx.values.bootstrap !== undefined) change.bootstrap = parseBootstrap(ctx.values.bootstrap as string)
    if (ctx.values.bind !== undefined) change.bind = ctx.values.bind as string
    const changed = Object.keys(change).length > 0
    const { result, daemon } = await withApi(ctx.global, async ({ api, daemon }) => ({
      result: changed ? await api.call('settings.set', change) : await api.call('settings.get', {}),
      daemon
    }))
    if (ctx.global.json) return printJson(ctx.io, result)
    ctx.io.out(describeSettings(result))
    if (daemon && (change.bootstrap || change.bind !== undefined)) ctx.io.out('Restart shoal run for the network settings to take effect.')
  }
}

function describeSettings(s: Settings): string {
  return [
    `Device name  ${s.deviceName}`,
    `Bootstrap    ${s.bootstrap.length ? s.bootstrap.join(',') : '(public DHT)'}`,
    `Bind         ${s.bind || '(all interfaces)'}`
  ].join('\n')
}
