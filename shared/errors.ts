// Every error that crosses the API carries a stable code (for scripts and the UI) and a
// message a person can act on. Codes are part of the contract: add, never rename.
export const ERROR_CODES = [
  'BAD_REQUEST', // payload does not match the method's schema
  'UNKNOWN_METHOD',
  'BAD_LINK', // a share link that cannot be parsed
  'BAD_PATH', // a path from a remote drive or from the user that is not allowed
  'FOLDER_NOT_FOUND', // no configured folder matches
  'FOLDER_EXISTS', // the folder is already shared or followed
  'FOLDER_MISSING', // the folder on disk is gone or not a directory
  'VERSION_NOT_FOUND',
  'FILE_NOT_FOUND',
  'NOT_WRITABLE', // the operation needs the publisher's drive
  'DATA_DIR_LOCKED', // another Shoal process holds the data directory
  'DISK_FULL',
  'PERMISSION_DENIED',
  'TIMEOUT',
  'DAEMON_UNREACHABLE',
  'UNAUTHORIZED',
  'INTERNAL',
  'BAD_ENTRY' // an entry from a peer that is malformed, or whose content does not match what it claims
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

export class ShoalError extends Error {
  readonly code: ErrorCode
  readonly details?: Record<string, unknown>

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message)
    this.name = 'ShoalError'
    this.code = code
    this.details = details
  }

  toJSON(): SerializedError {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) }
  }
}

export interface SerializedError {
  code: ErrorCode
  message: string
  details?: Record<string, unknown>
}

export function isShoalError(err: unknown): err is ShoalError {
  return err instanceof ShoalError
}

/** Turns anything thrown into a ShoalError, mapping the OS errors a user can act on. */
export function toShoalError(err: unknown): ShoalError {
  if (err instanceof ShoalError) return err
  const e = err as { code?: string; message?: string; path?: string } | undefined
  const msg = e?.message ?? String(err)
  switch (e?.code) {
    case 'ENOSPC':
      return new ShoalError('DISK_FULL', `The disk is full${e.path ? ` (writing ${e.path})` : ''}: free some space; nothing was changed.`)
    case 'EACCES':
    case 'EPERM':
      return new ShoalError('PERMISSION_DENIED', `Permission denied${e.path ? `: ${e.path}` : ''}`)
    case 'ENOENT':
      return new ShoalError('FILE_NOT_FOUND', `No such file or folder${e.path ? `: ${e.path}` : ''}`)
    // Hypercore: a block no peer sent in time (reads with a timeout).
    case 'REQUEST_TIMEOUT':
    case 'BLOCK_NOT_AVAILABLE':
      return new ShoalError('TIMEOUT', 'No peer sent the data in time')
    default:
      return new ShoalError('INTERNAL', msg)
  }
}
