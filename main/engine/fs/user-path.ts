import os from 'node:os'
import path from 'node:path'
import { ShoalError } from '../../../shared/errors.ts'

// A path a person typed (in the UI, or sent to the API), as they mean it. `~` and `~/Photos` are in
// their home folder. A relative path is refused when there is no working directory of theirs to
// take it from: the daemon's own (where `shoal run` or the app was started) means nothing to someone
// typing in a browser, and a folder created there would be a surprise. The CLI passes its cwd.

export interface UserPathOptions {
  /** The user's working directory (the CLI's); without it a relative path is refused. */
  cwd?: string
  home?: string
  /** What the path is for, in the message: "folder", "file to restore to". */
  what?: string
}

export function userPath(typed: string, opts: UserPathOptions = {}): string {
  const home = opts.home ?? os.homedir()
  if (typed === '~') return home
  if (typed.startsWith('~/') || (process.platform === 'win32' && typed.startsWith('~\\'))) return path.join(home, typed.slice(2))
  if (path.isAbsolute(typed)) return path.resolve(typed)
  const example = `${path.join(home, 'Photos')} or ~${path.sep}Photos`
  if (typed.startsWith('~')) throw new ShoalError('BAD_PATH', `'${typed}' is another user's home folder, which Shoal does not look up: type a full path, like ${example}.`)
  if (opts.cwd !== undefined) return path.resolve(opts.cwd, typed)
  throw new ShoalError('BAD_PATH', `'${typed}' is not a full path, so Shoal cannot tell which ${opts.what ?? 'folder'} you mean: type a full path, like ${example}.`)
}
