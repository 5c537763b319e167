import { ShoalError } from '../../../shared/errors.ts'
import { letGo } from '../../../shared/let-go.ts'

export const NO_READ_KEY_MESSAGE =
  'This folder is encrypted and the link does not carry its read key (or the key is wrong): ask the publisher for the full share link'

/** True for the error Hypercore/Hyperbee raise when a block does not decode (encrypted, wrong or no key). */
export function isDecodingError(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'DECODING_ERROR'
}

/**
 * A receiver that reads an encrypted drive without its read key (or with a wrong one) gets blocks
 * that do not decode: say so in words the user can act on, instead of a decoder's message.
 */
export function explainReadError(err: unknown): unknown {
  return isDecodingError(err) ? new ShoalError('BAD_LINK', NO_READ_KEY_MESSAGE) : err
}

/**
 * Closes a drive whose ready() failed (a wrong or missing read key fails it on the first block).
 * Hyperdrive's close() skips its cores then, and the db core's exclusive session would keep every
 * later open of the same drive (a join with the right link, a preview) waiting forever.
 */
export async function closeFailedDrive(drive: unknown): Promise<void> {
  const d = drive as { close(): Promise<void>; core?: Closable; blobs?: { core?: Closable } | null; corestore?: Closable } | null
  if (!d) return
  await d.close().catch(letGo) // a drive that failed to open may be half built: close what exists
  await d.core?.close().catch(letGo) // likewise
  await d.blobs?.core?.close().catch(letGo) // likewise
  await d.corestore?.close().catch(letGo) // likewise
}

interface Closable {
  close(): Promise<void>
}
