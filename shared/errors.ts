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
  'BAD_ENTRY', // an entry from a peer that is malformed, or whose content does not match what it claims
  'FOLDER_NOT_EMPTY', // joining into a folder that holds files needs the user's go-ahead to merge
  'PORT_IN_USE' // the web UI's port on 127.0.0.1 is taken by another program
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
  const e = err as { code?: string; message?: string; path?: string; dest?: string } | undefined
  const msg = e?.message ?? String(err)
  const at = where(e)
  // The store (RocksDB) reports a full disk in words, in the error or in its cause.
  if (e?.code !== 'ENOSPC' && /no space left on device/i.test(`${msg} ${String((err as { cause?: { message?: string } })?.cause?.message ?? '')}`)) {
    return new ShoalError('DISK_FULL', 'The disk holding Shoal\'s data directory is full: free some space.', { store: true })
  }
  switch (e?.code) {
    case 'ENOSPC':
      return new ShoalError('DISK_FULL', `The disk is full${e.path ? ` (writing ${e.path})` : ''}: free some space.`)
    case 'EACCES':
    case 'EPERM':
      return new ShoalError('PERMISSION_DENIED', `Permission denied${e.path ? `: ${e.path}` : ''}`)
    case 'ENOENT':
      return new ShoalError('FILE_NOT_FOUND', `No such file or folder${e.path ? `: ${e.path}` : ''}`)
    // The raw messages ("EISDIR: illegal operation on a directory, rename '.~shoal-….tmp' -> ...")
    // name Shoal's temp file and a syscall; these say what is in the way, at the user's path.
    case 'EISDIR':
      return new ShoalError('BAD_PATH', `A folder is in the way: ${at ?? 'the target'} is a folder, so a file cannot be written in its place. Move or rename that folder, or choose another name.`)
    case 'ENOTDIR':
      return new ShoalError('BAD_PATH', `A file is in the way: part of ${at ?? 'the path'} is a file where a folder is needed. Move or rename that file.`)
    case 'ENOTEMPTY':
    case 'EEXIST':
      return new ShoalError('BAD_PATH', `${at ?? 'The target'} already exists${e.code === 'ENOTEMPTY' ? ' and is a folder that is not empty' : ''}, so it cannot be replaced.`)
    case 'ELOOP':
      return new ShoalError('BAD_PATH', `${at ?? 'The path'} goes through symbolic links that loop.`)
    case 'ENAMETOOLONG':
      return new ShoalError('BAD_PATH', `The name or path is too long for this filesystem${at ? `: ${at}` : ''}.`)
    case 'EROFS':
      return new ShoalError('PERMISSION_DENIED', `${at ?? 'The target'} is on a read-only filesystem.`)
    case 'EBUSY':
      return new ShoalError('PERMISSION_DENIED', `${at ?? 'The file'} is in use by another program; try again when it is closed.`)
    case 'EMFILE':
    case 'ENFILE':
      return new ShoalError('INTERNAL', 'Too many files are open at once on this computer; raise the limit (ulimit -n) or close other programs, then try again.')
    case 'EIO':
      return new ShoalError('INTERNAL', `The disk reported an input/output error${at ? ` at ${at}` : ''}: it may be failing or disconnected.`)
    // Hypercore: a block this device does not hold, and no peer sent it.
    case 'REQUEST_TIMEOUT':
      return new ShoalError('TIMEOUT', 'No peer sent the data in time: it is not on this device, so the publisher (or a device that has it) must be online. Try again later.')
    case 'BLOCK_NOT_AVAILABLE':
      return new ShoalError('FILE_NOT_FOUND', 'That data is not on this device and no connected peer has it. Try again when the publisher (or a device that has it) is online.')
    default:
      return new ShoalError('INTERNAL', msg)
  }
}

/** The user's path an OS error is about: a rename's destination rather than Shoal's temp file. */
function where(e: { path?: string; dest?: string } | undefined): string | undefined {
  if (e?.dest) return e.dest
  if (!e?.path) return undefined
  const name = e.path.split(/[\\/]/).pop() ?? ''
  // A temp file's own name means nothing to the user: its folder does.
  return name.startsWith('.~shoal-') ? e.path.slice(0, e.path.length - name.length - 1) || e.path : e.path
}
