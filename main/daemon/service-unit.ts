import path from 'node:path'
import { ShoalError } from '../../shared/errors.ts'

// `shoal service install`: what runs `shoal run` in the background at login (and, with lingering,
// at boot) on this platform. Plain data, no I/O: a systemd user unit on Linux, a launchd agent on
// macOS. The command (commands/service.ts) writes it and prints how to start it; it never runs
// systemctl or launchctl itself, so it needs no privileges and changes nothing else.

/** Written into every file we make, so uninstall never removes (and install never replaces) a user's own. */
export const SERVICE_MARK = "Written by 'shoal service install'"
export const SERVICE_NAME = 'shoal'
export const LAUNCHD_LABEL = 'org.shoal.run'

export interface ServiceTarget {
  platform: NodeJS.Platform
  home: string
  env: NodeJS.ProcessEnv
  /** The command line of the daemon: the node binary first, all absolute paths. */
  argv: string[]
}

export interface ServiceFile {
  manager: 'systemd' | 'launchd'
  /** Where the file goes. */
  file: string
  content: string
  /** What the user runs to start it now and at every login. */
  enable: string[]
  /** What stops it and keeps it from starting again (before uninstalling). */
  disable: string[]
  /** Where its log goes. */
  logs: string
  /** The link that says it is enabled (systemd), for `service status` and uninstall. */
  enabledLink?: string
  /** A folder the manager expects to exist (launchd's log folder). */
  makeDirs: string[]
}

export function serviceFile(target: ServiceTarget): ServiceFile {
  if (target.platform === 'linux') return systemdUnit(target)
  if (target.platform === 'darwin') return launchdAgent(target)
  throw new ShoalError('BAD_REQUEST', `shoal service writes a systemd user unit (Linux) or a launchd agent (macOS), not a service for ${target.platform}; there, start 'shoal run' at logon yourself (on Windows: Task Scheduler)`)
}

function systemdUnit({ home, env, argv }: ServiceTarget): ServiceFile {
  const dir = path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'systemd', 'user')
  const content = [
    `# ${SERVICE_MARK}; 'shoal service uninstall' removes it.`,
    '[Unit]',
    'Description=Shoal: keep folders in sync',
    '',
    '[Service]',
    `ExecStart=${argv.map(systemdArg).join(' ')}`,
    'Restart=on-failure',
    'RestartSec=5',
    // shoal run stops cleanly on SIGTERM within its own 10 s deadline (commands/run.ts).
    'TimeoutStopSec=20',
    '',
    '[Install]',
    'WantedBy=default.target',
    ''
  ].join('\n')
  return {
    manager: 'systemd',
    file: path.join(dir, `${SERVICE_NAME}.service`),
    content,
    enable: ['systemctl --user daemon-reload', `systemctl --user enable --now ${SERVICE_NAME}`],
    disable: [`systemctl --user disable --now ${SERVICE_NAME}`],
    logs: `journalctl --user -u ${SERVICE_NAME} -f`,
    enabledLink: path.join(dir, 'default.target.wants', `${SERVICE_NAME}.service`),
    makeDirs: []
  }
}

/** One ExecStart word: % and $ are systemd's own (specifiers, variables); quoted where it has spaces or quotes. */
export function systemdArg(word: string): string {
  const escaped = word.replace(/%/g, '%%').replace(/\$/g, '$$$$')
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped)) return escaped
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

function launchdAgent({ home, argv }: ServiceTarget): ServiceFile {
  const file = path.join(home, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`)
  const logDir = path.join(home, 'Library', 'Logs', 'Shoal')
  const log = path.join(logDir, 'shoal.log')
  const content = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    `<!-- ${SERVICE_MARK}; 'shoal service uninstall' removes it. -->`,
    '<plist version="1.0">',
    '<dict>',
    `  <key>Label</key><string>${LAUNCHD_LABEL}</string>`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...argv.map((a) => `    <string>${xml(a)}</string>`),
    '  </array>',
    '  <key>RunAtLoad</key><true/>',
    // Restarted after a crash, not after a clean stop.
    '  <key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>',
    `  <key>StandardOutPath</key><string>${xml(log)}</string>`,
    `  <key>StandardErrorPath</key><string>${xml(log)}</string>`,
    '</dict>',
    '</plist>',
    ''
  ].join('\n')
  return {
    manager: 'launchd',
    file,
    content,
    enable: [`launchctl bootstrap gui/$(id -u) ${shellWord(file)}`],
    disable: [`launchctl bootout gui/$(id -u)/${LAUNCHD_LABEL}`],
    logs: `tail -f ${shellWord(log)}`,
    makeDirs: [logDir]
  }
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** A path as a shell word the user can paste. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`
}
