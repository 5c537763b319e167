import { UsageError, findCommand, globalOptions, parseCommandLine } from './args.ts'
import type { Io } from './commands/types.ts'
import { version } from './version.ts'
import { printable, terminalSafe } from './printable.ts'
import { isShoalError, type ErrorCode } from '../../shared/errors.ts'
import { errorText } from '../../shared/error-words.ts'

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

// The commands (and through them the engine and the whole Holepunch stack) are imported only when a
// command line needs them, so `shoal --version` starts in a fraction of the time.
const commands = () => import('./commands/index.ts')
const help = () => import('./help.ts')

/** Runs one `shoal` command line and returns the exit code; never throws. */
export async function runCli(argv: string[], rawIo: Io): Promise<number> {
  // Every line goes through terminalSafe (printable.ts): no printer can send a control sequence.
  const io: Io = { out: (text) => rawIo.out(terminalSafe(text)), err: (text) => rawIo.err(terminalSafe(text)), progress: rawIo.progress, ...(rawIo.clearScreen ? { clearScreen: rawIo.clearScreen } : {}) }
  try {
    const { name } = findCommand(argv)
    if (name === undefined) {
      const { values } = parseCommandLine(argv, { version: { type: 'boolean' } })
      if (values.version) io.out(version())
      else if (values.help) io.out((await help()).mainHelp())
      else {
        io.err((await help()).mainHelp())
        return 2
      }
      return 0
    }
    if (name === 'help') {
      const { positionals } = parseCommandLine(argv, {})
      const topic = positionals[1]
      const command = topic ? (await commands()).findCommandByName(topic) : undefined
      if (topic && !command) throw new UsageError(`unknown command '${topic}' (see shoal --help)`)
      const { commandHelp, mainHelp } = await help()
      io.out(command ? commandHelp(command) : mainHelp())
      return 0
    }
    const command = (await commands()).findCommandByName(name)
    if (!command) throw new UsageError(`unknown command '${name}' (see shoal --help)`)
    const { values, positionals } = parseCommandLine(argv, command.options, name)
    if (values.help) {
      io.out((await help()).commandHelp(command))
      return 0
    }
    const code = await command.run({ command: name, args: positionals.slice(1), values, global: { ...globalOptions(values), notice: io.err }, io })
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
    io.err(`shoal: ${printable(errorText(err.code, err.message))}`)
    return INPUT_ERRORS.has(err.code) ? 2 : 1
  }
  // A bug, not a user error: the stack helps whoever reports it.
  io.err(`shoal: ${printable((err as Error)?.message ?? String(err))}`)
  if (process.env.SHOAL_DEBUG) io.err(String((err as Error)?.stack))
  return 1
}
