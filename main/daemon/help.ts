import { COMMANDS } from './commands/index.ts'
import type { Command } from './commands/types.ts'
import { defaultDataDir } from '../engine/data-dir.ts'

const GLOBAL_HELP = [
  'Global options:',
  '  --data DIR             Data directory (env SHOAL_DATA; default DEFAULT_DATA)',
  '  --bootstrap H:P,...    Private DHT bootstrap nodes for this run (env SHOAL_BOOTSTRAP)',
  '  --bind ADDR            Local address the network binds to (env SHOAL_BIND)',
  '  --json                 Print JSON only (for scripts)',
  '  -h, --help             Show help (shoal <command> --help for one command)',
  '  --version              Print the version'
].join('\n')

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 3
  return [
    'Usage: shoal <command> [arguments] [options]',
    '',
    'Keep folders in sync between computers, with no server in the middle.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    `  ${'help'.padEnd(width)}Show help for a command (or shoal <command> --help)`,
    '',
    'Examples:',
    '  shoal share ~/Photos                 prints a link: shoal://...',
    '  shoal link ~/Photos                  prints that link again, any time',
    '  shoal join shoal://... ~/Photos      on another computer (the key alone works too)',
    "  shoal run                            keeps them in sync (run it on both)",
    "  shoal ui-url                         the web UI's address, http://127.0.0.1:PORT/?token=...",
    "  shoal deleted ~/Photos               what was deleted or overwritten, and the restore command",
    '  shoal sync ~/Notes                   two-way sync across your own devices: prints an invite',
    '  shoal sync --invite <code> ~/Notes   on your other device (both running shoal run)',
    '',
    GLOBAL_HELP.replace('DEFAULT_DATA', defaultDataDir({ ...process.env, SHOAL_DATA: undefined })),
    '',
    "<folder> is a folder's path, name or id; a path may be relative to where you are, or ~/x.",
    "While 'shoal run' runs for the data directory, the other commands go through it; otherwise",
    'they change the data directory directly.',
    '',
    'Exit codes: 0 success, 1 failure, 2 bad usage or bad input.'
  ].join('\n')
}

export function commandHelp(command: Command): string {
  return [`Usage: shoal ${command.usage}`, '', command.summary + '.', ...(command.details ? ['', command.details] : []), '', GLOBAL_HELP.replace('DEFAULT_DATA', defaultDataDir({ ...process.env, SHOAL_DATA: undefined }))].join('\n')
}
