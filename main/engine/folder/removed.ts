import type { FolderConfig } from '../config.ts'

/** What a folder removed from its devices says (state, status, the card). */
export function removedMessage(config: Pick<FolderConfig, 'name' | 'path' | 'removed'>): string {
  return `Removed from ${config.name} by ${config.removed?.by ?? 'another device'}: this device no longer syncs it. Its files stay in ${config.path}; to sync again, remove the folder here and join with a new invite.`
}
