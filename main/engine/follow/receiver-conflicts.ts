// Resolving conflicts on a receiver (join). Its conflict copies are the user's own edits, kept
// aside when a new version took the file's name, like Syncthing's receive-only "locally changed"
// files. Keeping a copy puts the user's edit back under the original name as a local change (it
// shows in local changes, 'shoal revert' undoes it, and the next version of that file from the
// publisher keeps it aside again); keeping the original (the publisher's version) takes the copies
// out of the folder. The copies were never published, so no history holds them: they are moved
// into the folder's data ("resolved/<time>") instead of being deleted.
import path from 'node:path'
import type { FolderRunner } from '../folder/runner.ts'
import type { ConflictResolution } from '../folder/kind.ts'
import { conflictCapability } from '../folder/conflict-capability.ts'
import type { ConflictCopies } from './conflict-copies.ts'

const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)

export function receiverConflicts(f: FolderRunner, copies: ConflictCopies, atomic: boolean): ConflictResolution {
  return conflictCapability({
    root: f.config.path,
    copies: () => copies.paths(),
    // A copy is this device's own edit; the original is the publisher's.
    deviceOf: (_rel, copy) => (copy ? f.ctx.deviceName : undefined),
    exclusive: (fn) => f.exclusive(fn),
    changed: async () => {
      await copies.check()
      f.notify()
    },
    // An atomic folder holds complete versions only: any file of the user's there is kept aside again.
    refuses: (keep) =>
      atomic && keep !== 'original'
        ? `${f.config.path} has atomic updates: each version is written complete, so a file of yours in it would be kept aside again by the next version. Keep the original (your copies are moved out of the folder and kept), or copy what you need elsewhere first.`
        : null,
    setAsideDir: () => path.join(f.ctx.stateDir, 'resolved', stamp(new Date()))
  })
}
