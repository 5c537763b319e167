import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fsp from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { BIN, cleanEnv, runShoal } from './helpers/shoal-process.ts'

// `shoal service install / status / uninstall` through the real command, with HOME in a temp folder
// (Linux: a systemd user unit). The unit runs this Node and this bin/shoal.js on the data directory
// the command was given; uninstall removes it, but not while it is enabled, and never a unit that
// Shoal did not write.

let home: string
let env: NodeJS.ProcessEnv
let unit: string

beforeAll(async () => {
  home = await fsp.mkdtemp(path.join(os.tmpdir(), 'shoal-service-'))
  env = { ...cleanEnv(path.join(home, 'unused')), HOME: home, XDG_CONFIG_HOME: '' }
  unit = path.join(home, '.config', 'systemd', 'user', 'shoal.service')
})

afterAll(async () => {
  if (home) await fsp.rm(home, { recursive: true, force: true })
})

const shoal = (args: string[]) => runShoal(args, { env })

describe('shoal service (systemd user unit, HOME in a temp folder)', () => {
  it('install writes the unit with the absolute node and bin/shoal.js paths and --data, and prints how to enable it; uninstall removes it', async () => {
    const dataDir = path.join(home, 'shoal data')
    const installed = await shoal(['service', 'install', '--data', dataDir])
    expect(installed.code, installed.stderr).toBe(0)
    expect(installed.stdout).toContain(`Wrote ${unit}`)
    expect(installed.stdout).toMatch(/^ {2}systemctl --user enable --now shoal$/m)
    expect(installed.stdout).toContain('loginctl enable-linger')

    const text = await fsp.readFile(unit, 'utf8')
    expect(text.split('\n')).toContain(`ExecStart=${process.execPath} ${BIN} run --data "${dataDir}"`)
    expect(path.isAbsolute(process.execPath) && path.isAbsolute(BIN)).toBe(true)

    const status = await shoal(['service', 'status', '--data', dataDir])
    expect(status.code, status.stderr).toBe(0)
    expect(status.stdout).toContain(`Service  installed: ${unit}, not enabled`)
    expect(status.stdout).toContain(`Shoal    not running for ${dataDir}`)
    // Asked from another data directory, it says the unit is not the one this command would write.
    const other = await shoal(['service', 'status', '--data', path.join(home, 'other')])
    expect(other.stdout).toMatch(/it runs another data directory/)

    const again = await shoal(['service', 'install', '--data', dataDir])
    expect(again.stdout).toContain(`Already up to date: ${unit}`)

    const removed = await shoal(['service', 'uninstall'])
    expect(removed.code, removed.stderr).toBe(0)
    expect(removed.stdout).toContain(`Removed ${unit}`)
    await expect(fsp.stat(unit)).rejects.toMatchObject({ code: 'ENOENT' })
    const none = await shoal(['service', 'status'])
    expect(none.stdout).toMatch(/^Service {2}not installed/)
  })

  it('uninstall refuses while the unit is enabled, and neither command touches a shoal.service the user wrote', async () => {
    expect((await shoal(['service', 'install'])).code).toBe(0)
    // What `systemctl --user enable shoal` leaves behind.
    const wants = path.join(path.dirname(unit), 'default.target.wants')
    await fsp.mkdir(wants, { recursive: true })
    await fsp.symlink(unit, path.join(wants, 'shoal.service'))
    const refused = await shoal(['service', 'uninstall'])
    expect(refused.code).toBe(2)
    expect(refused.stderr.trim()).toBe("shoal: The service is enabled: run 'systemctl --user disable --now shoal' first, then 'shoal service uninstall' again")
    expect(await fsp.readFile(unit, 'utf8')).toContain('ExecStart=')
    await fsp.rm(path.join(wants, 'shoal.service'))
    expect((await shoal(['service', 'uninstall'])).code).toBe(0)

    const mine = '[Service]\nExecStart=/usr/bin/my-own-shoal\n'
    await fsp.writeFile(unit, mine)
    for (const action of ['install', 'uninstall']) {
      const r = await shoal(['service', action])
      expect(r.code).toBe(2)
      expect(r.stderr).toContain(`${unit} exists and was not written by shoal`)
    }
    expect(await fsp.readFile(unit, 'utf8')).toBe(mine)
  })
})
