import type Hyperdrive from 'hyperdrive'
import { latestNumber, versionKey } from '../../main/engine/drive/version-numbers.ts'

/**
 * Ends a hand-written change to a drive the way a Shoal publisher does: with the marker that
 * numbers it (main/engine/drive/version-numbers.ts). `into`: the batch being written (or the
 * drive's db). Returns the number receivers then show once they applied it.
 */
export async function markVersion(drive: Hyperdrive, into: { put(key: string, value: unknown): Promise<unknown> } = drive.db): Promise<number> {
  const n = (await latestNumber(drive)) + 1
  await into.put(versionKey(n), { time: Date.now(), changes: 1 })
  return n
}
