import type { Command } from './types.ts'
import { printJson } from './types.ts'
import { expectArgs } from '../args.ts'
import { folderRef, withApi } from '../api-access.ts'
import { formatAgo, shortKey, table } from '../format.ts'
import { deviceLabels } from '../../../shared/device-label.ts'
import { printable } from '../printable.ts'
import { ShoalError } from '../../../shared/errors.ts'
import type { DeviceInfo } from '../../../shared/folder.ts'

// The devices of a two-way folder (`shoal sync`): list them, remove one.

export const devices: Command = {
  name: 'devices',
  usage: 'devices <folder>',
  summary: 'List the devices of a two-way folder',
  details: [
    'One line per device: its name (with the start of its key where two names are the same),',
    'its role, whether it is connected or when it was last seen, the changes it made and how',
    'much of the content it wrote this device holds. Removed devices stay listed, with who',
    'removed them.'
  ].join('\n'),
  options: {},
  async run(ctx) {
    expectArgs(ctx.args, ['folder'], 'devices')
    const { list, deviceName, daemon } = await withApi(ctx.global, async ({ api, daemon }) => ({
      list: await api.call('devices.list', { folder: await folderRef(api, ctx.args[0]) }),
      deviceName: (await api.call('settings.get', {})).deviceName,
      daemon
    }))
    if (ctx.global.json) return printJson(ctx.io, list)
    // This device's name is recorded in the folder once it has synced (shoal run); until then say it.
    ctx.io.out(devicesTable(list.map((d) => (d.self && d.device === '' ? { ...d, name: deviceName } : d))))
    if (!daemon) ctx.io.err("Shoal is not running: nothing is connected (start 'shoal run').")
  }
}

/** A device's identity: its network key (the same as in 'shoal peers'), its writer key before it said hello. */
export const identityOf = (d: DeviceInfo): string => d.device || d.id

export function devicesTable(list: DeviceInfo[], now = Date.now()): string {
  const labels = deviceLabels(list.map((d) => ({ id: d.id, key: identityOf(d), name: d.name })))
  const rows = list.map((d) => [
    labels.get(d.id)!,
    roles(d).join(', ') || '-',
    d.removed || d.self ? '-' : d.connected ? 'now' : d.lastSeen ? formatAgo(d.lastSeen, now) : 'never',
    String(d.ops),
    content(d)
  ])
  return table(['DEVICE', 'STATUS', 'LAST SEEN', 'CHANGES', 'CONTENT HERE'], rows)
}

function roles(d: DeviceInfo): string[] {
  const out: string[] = []
  if (d.self) out.push('this device')
  if (d.removed) out.push(d.removedBy ? `removed by ${d.removedBy}` : 'removed')
  else if (!d.self) out.push(d.connected ? 'connected' : 'offline')
  if (d.indexer) out.push('indexer')
  return out
}

/** How much of the content this device wrote is held here, in blocks of the device's content core. */
function content(d: DeviceInfo): string {
  if (d.contentBlocks === 0) return '-'
  const here = Math.min(d.contentBlocksHere, d.contentBlocks)
  if (here === d.contentBlocks) return `all (${d.contentBlocks} blocks)`
  return `${Math.floor((here / d.contentBlocks) * 100)}% (${here}/${d.contentBlocks} blocks)`
}

/**
 * The device `ref` names: its name (any case), its id or network key, or a prefix of either as
 * 'shoal devices' shows it. Several matches are an error naming them.
 */
export function findDevice(list: DeviceInfo[], ref: string, folder: string): DeviceInfo {
  const r = ref.trim().toLowerCase()
  const exact = list.filter((d) => d.id === r || d.device === r)
  if (exact.length === 1) return exact[0]
  const named = list.filter((d) => d.name.toLowerCase() === r)
  const matches = named.length ? named : list.filter((d) => r.length >= 4 && (d.id.startsWith(r) || (d.device !== '' && d.device.startsWith(r))))
  if (matches.length === 1) return matches[0]
  if (matches.length === 0) throw new ShoalError('BAD_REQUEST', `No device '${ref}' in ${folder} (see 'shoal devices ${folder}')`)
  throw new ShoalError('BAD_REQUEST', `'${ref}' matches ${matches.length} devices (${matches.map((d) => `${printable(d.name)} ${shortKey(identityOf(d))}`).join(', ')}); use the start of its key`)
}

export const removeDevice: Command = {
  name: 'remove-device',
  usage: 'remove-device <folder> <device>',
  summary: 'Remove a device from a two-way folder: its later changes are ignored',
  details: [
    "<device> is a device's name or id (the first characters are enough), as 'shoal devices'",
    'shows it. From then on every device ignores the changes it makes; what it changed before',
    'stays. The removed device is told: its folder stops with "Removed from <folder> by <device>"',
    "and its files stay. To add it back, remove the folder on it ('shoal remove') and join again",
    'with a new invite.'
  ].join('\n'),
  options: {},
  async run(ctx) {
    expectArgs(ctx.args, ['folder', 'device'], 'remove-device')
    const [folderArg, ref] = ctx.args
    const result = await withApi(ctx.global, async ({ api }) => {
      const folder = await folderRef(api, folderArg)
      const current = await api.call('devices.list', { folder })
      const target = findDevice(current, ref, folderArg)
      if (target.removed) return { target, list: current, already: true }
      // The full id, so the engine removes exactly the device shown here.
      return { target, list: await api.call('devices.remove', { folder, device: target.id }), already: false }
    })
    const { target, list, already } = result
    if (ctx.global.json) return printJson(ctx.io, list)
    const who = printable(target.name)
    if (already) return ctx.io.out(`${who} was already removed from ${folderArg}.`)
    ctx.io.out(`Removed ${who} from ${folderArg}: every device now ignores the changes it makes.`)
    ctx.io.out('What it changed before stays; the files on it stay there.')
  }
}
