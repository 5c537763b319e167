// Decides which paths in a shared folder never reach the drive: OS/editor junk by default,
// plus the user's own gitignore-style rules from `.shoalignore` at the folder root.
import path from 'node:path'
import ignore, { type Ignore } from 'ignore'
import { toShoalError } from '../../../shared/errors.ts'
import { withRegularFile } from './file-read.ts'

export const IGNORE_FILE = '.shoalignore'

// Files that are never meaningful on another machine, or are half-written downloads/saves.
export const DEFAULT_PATTERNS: readonly string[] = [
  '.DS_Store',
  'Thumbs.db',
  'desktop.ini',
  '*.swp',
  '*.swo',
  '*~',
  '~$*',
  '.#*',
  '*.crdownload',
  '*.part',
  '*.partial',
  '*.download',
  '.~shoal-*',
  '.Trash-*',
  '.Spotlight-V100',
  '.fseventsd'
]

// Our own temp files (see safe-write) must never sync, whatever the user's rules say.
const TEMP_PREFIX = '.~shoal-'

// `ignore` keeps the answer for every path it was asked about, and for each of its folders, for
// as long as the matcher lives: ~260 bytes a file, 26 MB for 100,000 files scanned. The matchers
// are made again after this many questions, which bounds that cache (and costs microseconds).
const LOOKUPS_PER_MATCHER = 10_000

export class IgnoreRules {
  /** The user's patterns from `.shoalignore` (comments and blank lines dropped). */
  readonly patterns: string[]
  // Junk names vary in case on Windows/macOS, so defaults ignore case; user rules follow
  // git (case-sensitive) so they behave the same on every machine.
  private defaults!: Ignore
  private user!: Ignore
  private lookups = 0

  private constructor(patterns: string[]) {
    this.patterns = patterns
    this.makeMatchers()
  }

  private makeMatchers(): void {
    this.defaults = ignore({ ignorecase: true, allowRelativePaths: true }).add([...DEFAULT_PATTERNS])
    this.user = ignore({ ignorecase: false, allowRelativePaths: true }).add(this.patterns)
    this.lookups = 0
  }

  /** Rules from `<root>/.shoalignore` (a missing file means defaults only). */
  static async load(root: string): Promise<IgnoreRules> {
    return IgnoreRules.parse(await IgnoreRules.readFile(root))
  }

  /** The text of `<root>/.shoalignore`, '' when there is none. */
  static async readFile(root: string): Promise<string> {
    try {
      // Through file-read.ts: a FIFO named .shoalignore must not stall the folder.
      return (await withRegularFile(path.join(root, IGNORE_FILE), {}, (f) => f.readAll())).toString('utf8')
    } catch (err) {
      // An unreadable ignore file must not silently publish what it meant to hide.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw toShoalError(err)
      return ''
    }
  }

  /** Rules from the text of a `.shoalignore` file. */
  static parse(text: string): IgnoreRules {
    const patterns = text
      .split(/\r?\n/)
      .map((line) => line.replace(/^\uFEFF/, '').trimEnd())
      .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    return new IgnoreRules(patterns)
  }

  /** Whether a drive-style path (`/docs/a.txt`) is ignored; `isDir` lets `build/` match folders. */
  ignores(drivePath: string, isDir: boolean): boolean {
    const rel = drivePath.replace(/^\/+/, '').replace(/\/+$/, '')
    if (rel === '') return false // the folder root itself
    if (rel === IGNORE_FILE) return false // the rules travel with the folder
    const base = rel.slice(rel.lastIndexOf('/') + 1)
    if (base.startsWith(TEMP_PREFIX)) return true
    const key = isDir ? rel + '/' : rel
    if (++this.lookups > LOOKUPS_PER_MATCHER) this.makeMatchers()
    // The user's rules win, so `!keep.part` can re-include a default-ignored name.
    const verdict = this.user.test(key)
    if (verdict.ignored) return true
    if (verdict.unignored) return false
    return this.defaults.ignores(key)
  }
}
