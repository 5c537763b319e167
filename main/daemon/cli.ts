import { runCli } from './run-cli.ts'

// Entry point of the `shoal` command (bin/shoal.js runs it compiled, out/cli/shoal.mjs, or through tsx).

// `shoal log | head` closes stdout early; that is not an error worth a stack trace.
process.stdout.on('error', () => {})

const code = await runCli(process.argv.slice(2), {
  out: (text) => void process.stdout.write(text + '\n'),
  err: (text) => void process.stderr.write(text + '\n'),
  progress: process.stderr,
  // Only our own fixed sequence (cursor home, clear), never text from outside: see printable.ts.
  ...(process.stdout.isTTY ? { clearScreen: () => void process.stdout.write('\x1b[H\x1b[2J') } : {})
})

// Exit explicitly: a one-shot command must not linger on a keep-alive socket or a timer some
// library forgot to unref. Wait for stdout first so piped output is complete.
process.stdout.write('', () => process.exit(code))
