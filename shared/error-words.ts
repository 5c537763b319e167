import type { ErrorCode } from './errors.ts'

// A sentence for each error code, for the rare error that arrives without words of its own (an
// empty message, or a library's bare code such as "PAIRING_REJECTED"): the CLI and the UI show a
// sentence, never the code alone. Errors Shoal makes carry their own, more precise, message.
const SENTENCES: Record<ErrorCode, string> = {
  BAD_REQUEST: 'The request was not valid; check what you typed and try again.',
  UNKNOWN_METHOD: 'This version of Shoal does not know that request; update Shoal on both sides.',
  BAD_LINK: 'That is not a Shoal link (they look like shoal://...).',
  BAD_PATH: 'That path cannot be used here.',
  FOLDER_NOT_FOUND: "There is no such folder in Shoal (see the folder list or 'shoal status').",
  FOLDER_EXISTS: 'That folder is already in Shoal.',
  FOLDER_MISSING: 'The folder is missing or is not a folder (was a disk unmounted?). Nothing was changed.',
  VERSION_NOT_FOUND: 'That version does not exist, or is no longer kept on this device.',
  FILE_NOT_FOUND: 'That file does not exist in this version.',
  NOT_WRITABLE: 'Only the device that shares this folder can change it.',
  DATA_DIR_LOCKED: "Another Shoal process is using the data directory; stop it or use 'shoal' commands, which go through it.",
  DISK_FULL: 'The disk is full: free some space.',
  PERMISSION_DENIED: 'Permission denied: Shoal may not read or write there.',
  TIMEOUT: 'No answer in time; check that the other devices are online and try again.',
  DAEMON_UNREACHABLE: "Shoal is not running or cannot be reached; start it with 'shoal run' or the app.",
  UNAUTHORIZED: 'The access token was refused; open the address Shoal prints (shoal ui-url).',
  INTERNAL: 'Something went wrong inside Shoal; the log of shoal run says more.',
  BAD_ENTRY: 'A peer sent an entry that is malformed or does not match its content; it was not written.',
  FOLDER_NOT_EMPTY: 'That folder already holds files; confirm to merge them with what arrives.',
  PORT_IN_USE: "The web UI's port is used by another program; choose another port."
}

const BARE_CODE = /^[A-Z][A-Z0-9_]{2,}:?$/

/** The message to show for an error: its own words, or a sentence for its code when it has none. */
export function errorText(code: string, message: string | null | undefined): string {
  const said = (message ?? '').trim()
  if (said && !BARE_CODE.test(said)) return said
  return SENTENCES[code as ErrorCode] ?? SENTENCES[said.replace(/:$/, '') as ErrorCode] ?? 'Something went wrong; the log of shoal run says more.'
}
