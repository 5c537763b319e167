import type { Command } from './types.ts'
import { share } from './share.ts'
import { join } from './join.ts'
import { seed } from './seed.ts'
import { sync, invite } from './sync.ts'
import { devices, removeDevice } from './devices.ts'
import { remove, pause, resume, rescan } from './folder-ops.ts'
import { status } from './status.ts'
import { uiUrl } from './ui-url.ts'
import { log } from './log.ts'
import { restore } from './restore.ts'
import { peers } from './peers.ts'
import { settings } from './settings.ts'
import { run } from './run.ts'
import { bootstrap } from './bootstrap.ts'
import { pin, unpin } from './pin.ts'
import { hook } from './hook.ts'
import { changes, revert } from './revert.ts'
import { release } from './release.ts'
import { guard } from './guard.ts'
import { history, prune } from './history.ts'
import { link } from './link.ts'
import { invites } from './invites.ts'
import { ignore } from './ignore.ts'
import { service } from './service.ts'
import { conflicts, resolve } from './conflicts.ts'
import { deleted } from './deleted.ts'

/** Every command, in the order `shoal --help` lists them. */
export const COMMANDS: Command[] = [share, join, seed, sync, invite, devices, removeDevice, remove, pause, resume, rescan, release, guard, status, uiUrl, log, restore, peers, settings, run, service, bootstrap]
// Receiver control (pin, hooks, local changes), listed after 'restore'.
COMMANDS.splice(COMMANDS.indexOf(restore) + 1, 0, history, prune, pin, unpin, hook, changes, revert)
// A folder's link after the share, its invites, its ignore patterns.
COMMANDS.splice(COMMANDS.indexOf(share) + 1, 0, link)
COMMANDS.splice(COMMANDS.indexOf(invite) + 1, 0, invites)
COMMANDS.splice(COMMANDS.indexOf(rescan) + 1, 0, ignore)
// Conflicts after the status, where their count shows.
COMMANDS.splice(COMMANDS.indexOf(status) + 1, 0, conflicts, resolve)
// What was deleted or overwritten, between the log and restore.
COMMANDS.splice(COMMANDS.indexOf(log) + 1, 0, deleted)

export function findCommandByName(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name)
}
