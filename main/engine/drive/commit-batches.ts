import type { Change } from '../fs/scanner.ts'

// How a large set of local changes becomes versions. A Hyperdrive batch keeps every entry it
// writes, with the index nodes each one changed, in memory until it is flushed, and then appends
// them all at once: a first share of 100,000 small files in one batch peaked above 1 GB. So at
// most commitLimits.filesPerVersion added or changed files go into one version, and a larger set is
// published as several versions in a row (each one a complete, consistent tree).
// Deletes and renames all stay in the first version, whatever their number: a receiver's
// mass-delete guard judges one version at a time and must see a mass delete whole.

/** The limit; tests lower it to see several versions come out of a few files. */
export const commitLimits = { filesPerVersion: 5000 }

export function commitBatches(changes: Change[], filesPerVersion = commitLimits.filesPerVersion): Change[][] {
  const batches: Change[][] = []
  let batch: Change[] = changes.filter((c) => c.type === 'delete' || c.type === 'rename')
  let files = 0
  for (const c of changes) {
    if (c.type === 'delete' || c.type === 'rename') continue
    if (c.type !== 'touch') {
      if (files === filesPerVersion) {
        batches.push(batch)
        batch = []
        files = 0
      }
      files++
    }
    batch.push(c)
  }
  if (batch.length > 0) batches.push(batch)
  return batches
}
