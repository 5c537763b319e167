import { parseArgs, type ParseArgsConfig } from 'node:util'
import { defaultDataDir } from '../engine/data-dir.ts'
import path from 'node:path'
import { parseBootstrap } from '../engine/network/bootstrap.ts'

// Argument parsing on node:util parseArgs. Global options may stand before or after the command,
// so the command is found first (skipping global options and their values) and then everything is
// parsed strictly against the global options plus that command's own.

export type OptionSpec = NonNullable<ParseArgsConfig['options']>

/** Bad usage: exit code 2 and a one-line message. */
export class UsageError extends Error {
  readonly command: string | undefined
  constructor(message: string, command?: string) {
    super(message)
    this.name = 'UsageError'
    this.command = command
  }
}

export const GLOBAL_OPTIONS = {
  data: { type: 'string' },
  bootstrap: { type: 'string' },
  bind: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' }
} as const satisfies OptionSpec

export interface GlobalOptions {
  dataDir: string
  bootstrap: string[] | undefined
  bind: string | undefined
  json: boolean
  help: boolean
  /** Says (on stderr) that a command is waiting for the data directory; set by runCli. */
  notice?: (line: string) => void
}

/** Index of the first argument that is not an option nor the value of a global option. */
export function findCommand(argv: string[]): { name: string | undefined; index: number } {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--') return { name: argv[i + 1], index: i + 1 }
    if (!arg.startsWith('-') || arg === '-') return { name: arg, index: i }
    const name = arg.replace(/^--?/, '')
    if (!arg.includes('=') && name in GLOBAL_OPTIONS && GLOBAL_OPTIONS[name as keyof typeof GLOBAL_OPTIONS].type === 'string') i++
  }
  return { name: undefined, index: -1 }
}

export interface Parsed {
  values: Record<string, string | boolean | undefined>
  positionals: string[]
}

export function parseCommandLine(argv: string[], options: OptionSpec, command?: string): Parsed {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { ...GLOBAL_OPTIONS, ...options }, allowPositionals: true, strict: true })
    return { values: values as Parsed['values'], positionals }
  } catch (err) {
    throw new UsageError(describeParseError(err as Error & { code?: string }, command), command)
  }
}

// parseArgs messages are written for programmers ("To specify a positional argument starting with
// a '-', ..."); keep the first sentence and point at the help.
function describeParseError(err: Error & { code?: string }, command?: string): string {
  const first = err.message.split(/\.\s/)[0].replace(/\.$/, '')
  const help = command ? `shoal ${command} --help` : 'shoal --help'
  return `${first.charAt(0).toLowerCase()}${first.slice(1)} (see ${help})`
}

export function globalOptions(values: Parsed['values'], env: NodeJS.ProcessEnv = process.env): GlobalOptions {
  const data = (values.data as string | undefined) ?? env.SHOAL_DATA
  const bootstrap = (values.bootstrap as string | undefined) ?? env.SHOAL_BOOTSTRAP
  const bind = (values.bind as string | undefined) ?? env.SHOAL_BIND
  return {
    dataDir: data ? path.resolve(data) : defaultDataDir(env),
    // Checked here so a typo fails before anything starts, naming the bad entry.
    bootstrap: bootstrap === undefined ? undefined : parseBootstrap(bootstrap),
    bind,
    json: values.json === true,
    help: values.help === true
  }
}

/** Checks the number of positional arguments (after the command name). */
export function expectArgs(args: string[], names: string[], command: string, optional = 0): void {
  const min = names.length - optional
  if (args.length < min) throw new UsageError(`${command}: missing ${names.slice(args.length).filter((_, i) => args.length + i < min).map((n) => `<${n}>`).join(' ')} (see shoal ${command} --help)`, command)
  if (args.length > names.length) throw new UsageError(`${command}: unexpected argument '${args[names.length]}' (see shoal ${command} --help)`, command)
}

/** A positive integer option, or undefined when absent. */
export function intOption(values: Parsed['values'], name: string, command: string, min = 1): number | undefined {
  const raw = values[name]
  if (raw === undefined) return undefined
  const n = Number(raw)
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || n < min || !Number.isSafeInteger(n)) {
    throw new UsageError(`${command}: --${name} must be a whole number${min > 0 ? ` of at least ${min}` : ''}, not '${raw}'`, command)
  }
  return n
}
