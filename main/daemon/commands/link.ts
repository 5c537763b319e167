import type { Command } from './types.ts'
import { printJson } from './types.ts'
import { expectArgs } from '../args.ts'
import { folderRef, withApi } from '../api-access.ts'
import { ShoalError } from '../../../shared/errors.ts'

// A folder's link, any time after 'shoal share' printed it: the share link (and the seed link of
// an encrypted share), or the link a joined or seeded folder follows. Two-way folders have no link:
// devices join them with an invite.

export const link: Command = {
  name: 'link',
  usage: 'link <folder>',
  summary: "Print a folder's share link (and seed link) again",
  details: [
    'For a shared folder: the link others join with; for an encrypted share also the seed link',
    '(seeding servers keep and serve the folder with it, without being able to read it). For a',
    "joined or seeded folder: the link it follows. A two-way folder has no link: make an invite",
    "for your other device instead (shoal invite <folder>)."
  ].join('\n'),
  options: {},
  async run(ctx) {
    expectArgs(ctx.args, ['folder'], 'link')
    const info = await withApi(ctx.global, async ({ api }) => {
      const id = await folderRef(api, ctx.args[0])
      const folder = (await api.call('folders.list', {})).find((f) => f.id === id)
      if (!folder) throw new ShoalError('FOLDER_NOT_FOUND', `No shared or followed folder matches '${ctx.args[0]}' (see 'shoal status')`)
      return folder
    })
    const where = info.path || info.name
    if (info.kind === 'two-way') {
      throw new ShoalError('BAD_REQUEST', `${where} is a two-way folder: it has no share link. To add another of your devices, make an invite (shoal invite ${where}); 'shoal invites ${where}' lists those still valid.`)
    }
    if (ctx.global.json) return printJson(ctx.io, { path: info.path, kind: info.kind, link: info.link, ...(info.seedLink ? { seedLink: info.seedLink } : {}) })
    if (info.kind === 'publish') {
      ctx.io.out(info.seedLink ? `Share link (carries the read key: give it only to those who may read ${where}):` : `Share link of ${where}:`)
      ctx.io.out(info.link)
      if (info.seedLink) ctx.io.out(`Seed link (for seeding servers: they can keep and serve the folder, not read it):\n${info.seedLink}`)
    } else if (info.kind === 'follow') {
      ctx.io.out(`${where} follows:\n${info.link}`)
    } else {
      ctx.io.out(`${where} seeds:\n${info.link}`)
    }
  }
}
