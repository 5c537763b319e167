// How a joined folder's versions reach the disk: live (each file written in place, live-writer.ts)
// or atomic (each version built beside the current one and switched to in one rename,
// atomic-writer.ts). Everything else a joined folder does (which version, refusals, owed files,
// pin, hook, local changes) is the same for both (follow.ts).
import type Hyperdrive from 'hyperdrive'
import type { LocalIndex } from '../fs/local-index.ts'
import type { RemoteChange } from '../receive/remote-apply.ts'

export interface VersionWriter {
  /** The local index of the version the folder is at. */
  readonly index: LocalIndex
  /** The version the folder is at on disk (0: none yet). */
  readonly applied: number
  /** True when a version is applied whole or not at all (atomic): owed files keep it back. */
  readonly allOrNothing: boolean
  /** Files still owed by the last pass (no peer had their content); always empty when atomic. */
  readonly owed: string[]
  /** Where the folder's files are written: the folder whose filesystem decides which names are one. */
  probeDir(): string
  /** Opens the index of the version on disk. */
  open(): Promise<void>
  /** Before the folder starts: its shape is as expected, and debris of an interrupted update is gone. */
  check(): Promise<void>
  /** The diff of the next pass starts from this version (0 after the ignore patterns changed). */
  diffFrom(): number
  /** The ignore patterns changed: the next pass checks the whole tree. */
  recheck(): void
  /** Moves the folder to `target` with `changes`; resolves once the folder is there. */
  apply(snapshot: Hyperdrive, target: number, changes: RemoteChange[], owed: Set<string>): Promise<void>
  /** Files written and bytes left in the pass that failed (for a full-disk message). */
  tally(): { filesWritten: number; bytesLeft: number }
  close(): Promise<void>
}
