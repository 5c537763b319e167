import { UsageError, findCommand, globalOptions, parseCommandLine } from './args.ts'
import { findCommandByName } from './commands/index.ts'
import type { Io } from './commands/types.ts'
import { commandHelp, mainHelp, version } from './help.ts'
import { printable, terminalSafe } from './printable.ts'
import { isShoalError, type ErrorCode } from '../../shared/errors.ts'

/** Errors that mean "you asked for something that cannot be": exit code 2, like bad usage. */
const INPUT_ERRORS: ReadonlySet<ErrorCode> = new Set([
  'BAD_REQUEST',
  'BAD_LINK',
  'BAD_PATH',
  'FOLDER_NOT_FOUND',
  'FOLDER_EXISTS',
  'FOLDER_MISSING',
  'VERSION_NOT_FOUND',
  'FILE_NOT_FOUND',
  'FOLDER_NOT_EMPTY'
])

/** Runs one `shoal` command line and returns the exit code; never throws. */
export async function runCli(argv: string[], rawIo: Io): Promise<number> {
  // Every line goes through terminalSafe (printable.ts): no printer can send a control sequence.
  const io: Io = { out: (text) => rawIo.out(terminalSafe(text)), err: (text) => rawIo.err(terminalSafe(text)), progress: rawIo.progress }
  try {
    const { name } = findCommand(argv)
    if (name === undefined) {
      const { values } = parseCommandLine(argv, { version: { type: 'boolean' } })
      if (values.version) io.out(version())
      else if (values.help) io.out(mainHelp())
      else {
        io.err(mainHelp())
        return 2
      }
      return 0
    }
    if (name === 'help') {
      const { positionals } = parseCommandLine(argv, {})
      const topic = positionals[1]
      const command = topic ? findCommandByName(topic) : undefined
      if (topic && !command) throw new UsageError(`unknown command '${topic}' (see shoal --help)`)
      io.out(command ? commandHelp(command) : mainHelp())
      return 0
    }
    const command = findCommandByName(name)
    if (!command) throw new UsageError(`unknown command '${name}' (see shoal --help)`)
    const { values, positionals } = parseCommandLine(argv, command.options, name)
    if (values.help) {
      io.out(commandHelp(command))
      return 0
    }
    const code = await command.run({ command: name, args: positionals.slice(1), values, global: globalOptions(values), io })
    return typeof code === 'number' ? code : 0
  } catch (err) {
    return report(err, io)
  }
}

function report(err: unknown, io: Io): number {
  if (err instanceof UsageError) {
    io.err(`shoal: ${err.message}`)
    return 2
  }
  if (isShoalError(err)) {
    // One line, whatever remote path or name the message quotes.
    io.err(`shoal: ${printable(err.message)}`)
    return INPUT_ERRORS.has(err.code) ? 2 : 1
  }
  // A bug, not a user error: the stack helps whoever reports it.
  io.err(`shoal: ${printable((err as Error)?.message ?? String(err))}`)
  if (process.env.SHOAL_DEBUG) io.err(String((err as Error)?.stack))
  return 1
}
