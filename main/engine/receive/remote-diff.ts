// What a receiver must do to move its folder to a version of the publisher's drive: the diff since
// the version it applied, plus files an earlier pass could not get (no peer had their content),
// each checked before anything touches the disk: the path (paths.ts), the entry (drive-entry.ts),
// the receiver's own ignore patterns, and the content the entry claims (drive-entry.ts). One bad
// entry is refused on its own; the rest of the version goes on.
import type Hyperdrive from 'hyperdrive'
import { validateRemotePath, show } from '../fs/paths.ts'
import { readDiff, readEntry, contentProblem, type EntryCheck } from '../drive/drive-entry.ts'
import type { RemoteChange } from './remote-apply.ts'
import type { IgnoreRules } from '../fs/ignore-rules.ts'

export interface VersionChanges {
  changes: RemoteChange[]
  /** Paths refused for good in this version, with a reason that is safe to print. */
  refused: Array<{ drivePath: string; reason: string }>
  /** Paths whose content cannot be judged yet (no peer told us how much the publisher stored). */
  waiting: string[]
}

export interface CollectOptions {
  /** The version the folder is at (0: nothing yet). */
  from: number
  ignore: IgnoreRules | null
  /** Files an earlier pass could not get: looked up again in this version. */
  retry: Iterable<string>
}

export async function collectVersionChanges(snapshot: Hyperdrive, opts: CollectOptions): Promise<VersionChanges> {
  const out: VersionChanges = { changes: [], refused: [], waiting: [] }
  // The content core's length comes with every proof a peer sends; ask for the latest once.
  const content = (await snapshot.getBlobs())?.core
  const contentKnown = content ? await content.update({ wait: true }).then(() => content.peers.length > 0, () => false) : false
  // Owed files the diff does not list are looked up on their own below (a set of the owed
  // files, not of every path of the diff: a first sync lists all of them).
  const retry = new Set(opts.retry)

  const consider = (drivePath: string, left: EntryCheck | null, existed: boolean) => {
    retry.delete(drivePath)
    const check = validateRemotePath(drivePath)
    if (!check.ok) {
      if (left) out.refused.push({ drivePath, reason: check.reason })
      return
    }
    // Receiver-side ignore patterns: such files are neither written nor deleted here.
    if (opts.ignore?.ignores(drivePath, false)) return
    if (left && !left.ok) {
      out.refused.push({ drivePath, reason: `${show(drivePath)}: ${left.reason}` })
      return
    }
    const entry = left?.entry ?? null
    const problem = entry && content ? contentProblem(entry, content) : null
    if (problem) {
      // Without a peer the length we know may be old: wait rather than refuse.
      if (contentKnown) out.refused.push({ drivePath, reason: `${show(drivePath)}: ${problem}` })
      else out.waiting.push(drivePath)
      return
    }
    if (entry || existed) out.changes.push({ drivePath, rel: check.rel, entry })
  }

  for await (const item of readDiff(snapshot, opts.from)) consider(item.key, item.left, item.existed)
  for (const drivePath of retry) {
    const left = await readEntry(snapshot, drivePath)
    // Deleted since: nothing is owed any more (the file was never written here).
    if (left) consider(drivePath, left, false)
  }
  return out
}
