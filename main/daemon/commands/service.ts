import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { Command, CommandContext } from './types.ts'
import { printJson } from './types.ts'
import { UsageError, expectArgs, type GlobalOptions } from '../args.ts'
import { appRoot } from '../app-root.ts'
import { DaemonClient } from '../client.ts'
import { SERVICE_MARK, serviceFile, type ServiceFile } from '../service-unit.ts'
import { writeStateFile } from '../../engine/fs/state-file.ts'
import { ShoalError } from '../../../shared/errors.ts'

export const service: Command = {
  name: 'service',
  usage: 'service install|uninstall|status',
  summary: "Run 'shoal run' in the background at login: a systemd user unit (Linux) or launchd agent (macOS)",
  details: [
    '  install     Write the service file for this data directory, this Node and this Shoal',
    '              (~/.config/systemd/user/shoal.service, ~/Library/LaunchAgents/org.shoal.run.plist)',
    '              and print the command that starts it. It runs nothing itself: no root needed.',
    '              --bootstrap and --bind, if given, go into the service too. Run it again after',
    '              moving Shoal or upgrading Node.',
    '  uninstall   Remove that file (on Linux, once the service is disabled).',
    '  status      Whether it is installed, enabled and current, and whether Shoal is running.',
    '',
    "On a server nobody logs in to, also run 'sudo loginctl enable-linger $USER' once (Linux), so the",
    'service starts at boot and keeps running after you log out.'
  ].join('\n'),
  options: {},
  async run(ctx) {
    expectArgs(ctx.args, ['install|uninstall|status'], 'service')
    const action = ctx.args[0]
    const target = serviceFile({ platform: process.platform, home: os.homedir(), env: process.env, argv: daemonArgv(ctx.global) })
    if (action === 'install') return install(ctx, target)
    if (action === 'uninstall') return uninstall(ctx, target)
    if (action === 'status') return status(ctx, target)
    throw new UsageError(`service: unknown action '${action}': install, uninstall or status (see shoal service --help)`, 'service')
  }
}

/** The command line the service runs: absolute paths only (a service has no PATH nor working directory of ours). */
function daemonArgv(global: GlobalOptions): string[] {
  return [
    process.execPath,
    path.join(appRoot(), 'bin', 'shoal.js'),
    'run',
    '--data',
    global.dataDir,
    ...(global.bootstrap?.length ? ['--bootstrap', global.bootstrap.join(',')] : []),
    ...(global.bind ? ['--bind', global.bind] : [])
  ]
}

/** The file's text if it is there, '' if not. */
async function current(file: string): Promise<string | null> {
  return fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null
    throw new ShoalError(err.code === 'EACCES' ? 'PERMISSION_DENIED' : 'INTERNAL', `Cannot read ${file}: ${err.message}`)
  })
}

function notOurs(file: string): ShoalError {
  return new ShoalError('BAD_REQUEST', `${file} exists and was not written by shoal: move it away first (Shoal leaves it as it is)`)
}

async function install({ global, io }: CommandContext, target: ServiceFile): Promise<number> {
  const before = await current(target.file)
  if (before !== null && !before.includes(SERVICE_MARK)) throw notOurs(target.file)
  for (const dir of target.makeDirs) await fs.mkdir(dir, { recursive: true })
  await writeStateFile(target.file, target.content, 0o644)
  const what = before === null ? 'Wrote' : before === target.content ? 'Already up to date:' : 'Updated'
  if (global.json) {
    printJson(io, { file: target.file, manager: target.manager, changed: before !== target.content, enable: target.enable, logs: target.logs })
    return 0
  }
  io.out(`${what} ${target.file}`)
  io.out(`It runs Shoal for ${global.dataDir}. To start it now and at every login:`)
  for (const line of target.enable) io.out(`  ${line}`)
  if (target.manager === 'systemd') {
    if (before !== null && before !== target.content) io.out(`(Already running? 'systemctl --user restart shoal' picks up the change.)`)
    io.out("On a server nobody logs in to, also once: 'sudo loginctl enable-linger $USER' (starts it at boot).")
  }
  io.out(`Its log: ${target.logs}`)
  return 0
}

async function uninstall({ global, io }: CommandContext, target: ServiceFile): Promise<number> {
  const before = await current(target.file)
  if (before === null) {
    if (global.json) printJson(io, { file: target.file, removed: false })
    else io.out(`Nothing to remove: ${target.file} does not exist.`)
    return 0
  }
  if (!before.includes(SERVICE_MARK)) throw notOurs(target.file)
  // systemd cannot disable a unit whose file is gone: disabling comes first.
  if (target.enabledLink && (await exists(target.enabledLink))) {
    throw new ShoalError('BAD_REQUEST', `The service is enabled: run '${target.disable.join(' && ')}' first, then 'shoal service uninstall' again`)
  }
  await fs.rm(target.file, { force: true })
  if (global.json) {
    printJson(io, { file: target.file, removed: true })
    return 0
  }
  io.out(`Removed ${target.file}`)
  if (target.manager === 'launchd') io.out(`If it is still running: ${target.disable.join(' && ')}`)
  else io.out(`If it is still running: systemctl --user stop shoal && systemctl --user daemon-reload`)
  return 0
}

async function status({ global, io }: CommandContext, target: ServiceFile): Promise<number> {
  const text = await current(target.file)
  const installed = text !== null && text.includes(SERVICE_MARK)
  const enabled = target.enabledLink ? await exists(target.enabledLink) : undefined
  const running = (await DaemonClient.find(global.dataDir)) !== null
  const upToDate = text === target.content
  if (global.json) {
    printJson(io, { file: target.file, manager: target.manager, installed, ...(enabled !== undefined ? { enabled } : {}), upToDate, running })
    return 0
  }
  if (text === null) io.out(`Service  not installed ('shoal service install' writes ${target.file})`)
  else if (!installed) io.out(`Service  ${target.file} exists but was not written by shoal`)
  else {
    io.out(`Service  installed: ${target.file}${enabled === undefined ? '' : enabled ? ', enabled' : `, not enabled (${target.enable.join(' && ')})`}`)
    if (!upToDate) io.out("         it runs another data directory, Node or Shoal than this command would: 'shoal service install' updates it")
  }
  io.out(`Shoal    ${running ? 'running' : 'not running'} for ${global.dataDir}`)
  return 0
}

async function exists(file: string): Promise<boolean> {
  return fs.lstat(file).then(
    () => true,
    () => false
  )
}
