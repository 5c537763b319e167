// What every drive-based kind (share, join) says about its network side: the topic it joins and
// the devices it replicates with (by their network key, as peers.list shows them).
import type Hyperdrive from 'hyperdrive'
import type { FolderConfig } from '../config.ts'
import { formatLink } from '../../../shared/link.ts'

export function driveTopics(drive: Hyperdrive): Buffer[] {
  return [drive.discoveryKey]
}

export function drivePeerKeys(drive: Hyperdrive): string[] {
  return drive.core.peers.map((p) => p.remotePublicKey.toString('hex'))
}

/** The share link of a folder (with its read key when the share is encrypted). */
export function shareLink(config: Pick<FolderConfig, 'key' | 'readKey'>): string {
  return formatLink({ key: config.key, ...(config.readKey ? { readKey: config.readKey } : {}) })
}
