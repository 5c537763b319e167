import type { Command } from './types.ts'
import { printJson } from './types.ts'
import { UsageError, expectArgs, intOption } from '../args.ts'
import { withApi } from '../api-access.ts'
import { parseBootstrap } from '../../engine/network/bootstrap.ts'
import type { Settings } from '../../../shared/folder.ts'
import { DEFAULT_UI_PORT, isUiPort } from '../../../shared/ui-port.ts'
import { formatBytes, parseBytes } from '../../../shared/format-bytes.ts'

export const settings: Command = {
  name: 'settings',
  usage: 'settings [--device-name X] [--bootstrap L] [--bind A] [--ui-port N] [--upload-limit R] [--download-limit R]',
  summary: 'Show or change the stored settings',
  details: [
    'Without options, shows the settings. Network and port changes apply when shoal run starts again;',
    'bandwidth limits apply at once, also to transfers under way.',
    '',
    'Options:',
    '  --device-name X     Name other devices see (used in conflict copies)',
    "  --bootstrap L       Private DHT bootstrap nodes, host:port,... ('' = the public DHT)",
    "  --bind A            Local address for the network ('' = all interfaces)",
    `  --ui-port N         Port of the web UI on 127.0.0.1 (default ${DEFAULT_UI_PORT}; 'shoal run --port' overrides it)`,
    '  --upload-limit R    Most this device sends per second to all peers together: 2MB, 500KB, 1MiB; 0 = no limit',
    '  --download-limit R  Most this device receives per second from all peers together; 0 = no limit'
  ].join('\n'),
  options: { 'device-name': { type: 'string' }, 'ui-port': { type: 'string' }, 'upload-limit': { type: 'string' }, 'download-limit': { type: 'string' } },
  async run(ctx) {
    expectArgs(ctx.args, [], 'settings')
    // Only what is on the command line is stored (SHOAL_BOOTSTRAP / SHOAL_BIND are per-run overrides).
    const change: { deviceName?: string; bootstrap?: string[]; bind?: string; uiPort?: number; uploadLimit?: number; downloadLimit?: number } = {}
    if (ctx.values['device-name'] !== undefined) change.deviceName = ctx.values['device-name'] as string
    if (ctx.values.bootstrap !== undefined) change.bootstrap = parseBootstrap(ctx.values.bootstrap as string)
    if (ctx.values.bind !== undefined) change.bind = ctx.values.bind as string
    const uiPort = intOption(ctx.values, 'ui-port', 'settings')
    if (uiPort !== undefined) {
      if (!isUiPort(uiPort)) throw new UsageError(`settings: --ui-port must be a port number (1-65535), not '${uiPort}'`, 'settings')
      change.uiPort = uiPort
    }
    const uploadLimit = rateOption(ctx.values, 'upload-limit')
    if (uploadLimit !== undefined) change.uploadLimit = uploadLimit
    const downloadLimit = rateOption(ctx.values, 'download-limit')
    if (downloadLimit !== undefined) change.downloadLimit = downloadLimit
    const changed = Object.keys(change).length > 0
    const { result, daemon } = await withApi(ctx.global, async ({ api, daemon }) => ({
      result: changed ? await api.call('settings.set', change) : await api.call('settings.get', {}),
      daemon
    }))
    if (ctx.global.json) return printJson(ctx.io, result)
    ctx.io.out(describeSettings(result))
    if (daemon && (change.bootstrap || change.bind !== undefined)) ctx.io.out('Restart shoal run for the network settings to take effect.')
    if (daemon && change.uiPort !== undefined && change.uiPort !== result.active?.uiPort) {
      ctx.io.out(`Restart shoal run to serve the web UI at http://127.0.0.1:${change.uiPort}/ (then 'shoal ui-url' prints its address).`)
    }
  }
}

/** A rate as people type it (2MB, 500KB, 1MiB, 0), in bytes per second. */
function rateOption(values: Record<string, unknown>, name: string): number | undefined {
  const text = values[name]
  if (text === undefined) return undefined
  const bytes = parseBytes(String(text).replace(/\/s$/i, ''))
  if (bytes === null) throw new UsageError(`settings: --${name} must be a rate in bytes per second such as 2MB, 500KB or 0 (no limit), not '${String(text)}'`, 'settings')
  return bytes
}

const rateText = (bytes: number) => (bytes > 0 ? `${formatBytes(bytes)}/s` : 'no limit')

function describeSettings(s: Settings): string {
  return [
    `Device name     ${s.deviceName}`,
    `Bootstrap       ${s.bootstrap.length ? s.bootstrap.join(',') : '(public DHT)'}`,
    `Bind            ${s.bind || '(all interfaces)'}`,
    `Web UI port     ${s.uiPort}${s.active?.uiPort && s.active.uiPort !== s.uiPort ? ` (serving on ${s.active.uiPort} until shoal run restarts)` : ''}`,
    `Upload limit    ${rateText(s.uploadLimit)}`,
    `Download limit  ${rateText(s.downloadLimit)}`
  ].join('\n')
}
