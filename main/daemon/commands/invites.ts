import type { Command } from './types.ts'
import { printJson } from './types.ts'
import { expectArgs } from '../args.ts'
import { folderRef, withApi } from '../api-access.ts'
import { formatAgo, formatSpan, formatTime, table } from '../format.ts'

// The invites of a two-way folder that still work, wherever they were made (this terminal, the UI,
// another device of the folder): when each was made and until when it works. An invite adds any
// number of devices until it expires or is revoked; its code is shown only where it was made.

export const invites: Command = {
  name: 'invites',
  usage: 'invites <folder>',
  summary: "List a two-way folder's invites that still work",
  details: [
    'Shows each invite that is neither expired nor revoked: its id, when it was made and until',
    'when it works. An invite can add several devices until then. The code itself is shown only',
    "when the invite is made; revoke one with 'shoal invite --revoke <id> <folder>'."
  ].join('\n'),
  options: {},
  async run(ctx) {
    expectArgs(ctx.args, ['folder'], 'invites')
    const list = await withApi(ctx.global, async ({ api }) => api.call('invites.list', { folder: await folderRef(api, ctx.args[0]) }))
    if (ctx.global.json) return printJson(ctx.io, list)
    if (list.length === 0) {
      ctx.io.out(`No invite of this folder works now. Make one with: shoal invite ${ctx.args[0]}`)
      return
    }
    const now = Date.now()
    const rows = list.map((i) => [i.id.slice(0, 12), `${formatTime(i.createdAt)} (${formatAgo(i.createdAt, now)})`, `${formatTime(i.expires)} (in ${formatSpan(i.expires - now)})`])
    ctx.io.out(table(['INVITE', 'MADE', 'WORKS UNTIL'], rows))
    ctx.io.out(`${list.length} ${list.length === 1 ? 'invite' : 'invites'}; each adds any number of devices until it expires. Revoke one: shoal invite --revoke <id> ${ctx.args[0]}`)
  }
}
