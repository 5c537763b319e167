import type { Command } from './types.ts'
import { printJson } from './types.ts'
import { expectArgs } from '../args.ts'
import { DaemonClient } from '../client.ts'
import { loadUiToken, rotateUiToken } from '../ui-token.ts'
import { HOST } from '../ui-port.ts'
import { loadConfig } from '../../engine/config.ts'
import { dataPaths } from '../../engine/data-dir.ts'

export function uiUrlOf(base: string, token: string): string {
  return `${base.replace(/\/+$/, '')}/?token=${token}`
}

export const uiUrl: Command = {
  name: 'ui-url',
  usage: 'ui-url [--rotate]',
  summary: "Print the web UI's address with its token (--rotate: a new token)",
  details: [
    'The address is http://127.0.0.1:PORT/?token=T. The token is kept in the data directory',
    '(ui-token, readable only by you) and stays the same across restarts, so a bookmark or an open',
    'tab keeps working. Without shoal run, prints the address it will serve at the stored port.',
    '',
    'Options:',
    '  --rotate   Make a new token: every tab and link with the old one stops working at once',
    '             (they then say to run this command). For a token that was shown to someone.'
  ].join('\n'),
  options: { rotate: { type: 'boolean' } },
  async run(ctx) {
    expectArgs(ctx.args, [], 'ui-url')
    const { global, io } = ctx
    const rotate = ctx.values.rotate === true
    const client = await DaemonClient.find(global.dataDir)
    let url: string
    if (client) {
      // The running server switches to the new token itself (and closes the old tabs' connections).
      const token = rotate ? await client.rotateToken() : client.token
      url = uiUrlOf(client.url, token)
    } else {
      const token = rotate ? await rotateUiToken(global.dataDir) : await loadUiToken(global.dataDir)
      const { uiPort } = await loadConfig(dataPaths(global.dataDir).config)
      url = uiUrlOf(`http://${HOST}:${uiPort}`, token)
    }
    if (global.json) return printJson(io, { uiUrl: url, running: client !== null, rotated: rotate })
    io.out(url)
    if (rotate) io.err('New token: pages opened with the old address no longer work; open this one.')
    if (!client) io.err(`(shoal run is not running for ${global.dataDir}; this is the address it serves once started, unless started with --port.)`)
  }
}
