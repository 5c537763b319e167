import type { OptionSpec, Parsed, GlobalOptions } from '../args.ts'

/** Where a command writes: results to stdout, progress and errors to stderr. */
export interface Io {
  out(text: string): void
  err(text: string): void
  /** Raw stderr for the progress bar, which redraws one line with \r on a terminal. */
  progress: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }
  /** Clears the terminal (`status --watch`); absent when stdout is not a terminal. */
  clearScreen?(): void
}

export interface CommandContext {
  command: string
  /** Positional arguments after the command name. */
  args: string[]
  values: Parsed['values']
  global: GlobalOptions
  io: Io
}

export interface Command {
  name: string
  /** Arguments and options, as shown after `shoal <name>`. */
  usage: string
  summary: string
  /** More lines for `shoal <name> --help`. */
  details?: string
  options: OptionSpec
  /** Returns the exit code (0 when nothing is returned). */
  run(ctx: CommandContext): Promise<number | void>
}

/** Prints a value as JSON (the --json output of every command). */
export function printJson(io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2))
}
