import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { Ajv } from 'ajv'

// electron-builder.yml checked without packaging (packaging downloads Electron): valid against
// electron-builder's own JSON schema, and complete where a mistake only shows on a user's machine
// (a native addon left inside the asar, a missing protocol, a fuse left open).

const root = path.resolve(import.meta.dirname, '../..')
const require = createRequire(import.meta.url)
// js-yaml comes with electron-builder (no YAML parser of our own); it ships no types.
const yaml = require('js-yaml') as { load(text: string): unknown }

interface BuilderConfig {
  appId: string
  productName: string
  directories: { output: string }
  files: string[]
  asar: boolean
  asarUnpack: string[]
  protocols: Array<{ name: string; schemes: string[] }>
  electronFuses: Record<string, boolean>
  linux: { target: string[]; category: string; icon: string }
  mac: { target: string[]; category: string; icon: string }
  win: { target: string[]; icon: string }
}

const config = yaml.load(fs.readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as BuilderConfig

/** Every package under node_modules (scoped and nested too) that ships a prebuilds/ folder. */
function packagesWithPrebuilds(dir = path.join(root, 'node_modules'), found = new Set<string>()): Set<string> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue
    const abs = path.join(dir, entry.name)
    if (entry.name.startsWith('@')) {
      packagesWithPrebuilds(abs, found)
      continue
    }
    if (fs.existsSync(path.join(abs, 'prebuilds'))) found.add(path.relative(root, abs).split(path.sep).pop()!)
    if (fs.existsSync(path.join(abs, 'node_modules'))) packagesWithPrebuilds(path.join(abs, 'node_modules'), found)
  }
  return found
}

/** Expands the {a,b} and * of an asarUnpack pattern just enough to test package names against it. */
function unpackMatchers(patterns: string[]): RegExp[] {
  return patterns
    .map((p) => /node_modules\/(.+?)\/\*\*$/.exec(p)?.[1])
    .filter((p): p is string => !!p)
    .map((p) => {
      const body = p.replace(/[.+^$()|[\]\\]/g, '\\$&').replace(/\{([^}]*)\}/g, (_m, list: string) => `(?:${list.split(',').join('|')})`).replace(/\*/g, '[^/]*')
      return new RegExp(`^${body}$`)
    })
}

describe('electron-builder.yml', () => {
  it('is valid against electron-builder’s schema', () => {
    const schema = JSON.parse(fs.readFileSync(path.join(root, 'node_modules/app-builder-lib/scheme.json'), 'utf8'))
    const ajv = new Ajv({ strict: false, allErrors: true })
    const validate = ajv.compile(schema)
    const ok = validate(config)
    expect(ok ? [] : validate.errors?.map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`)).toEqual([])
  })

  it('names the app and ships only the build output', () => {
    expect(config.appId).toBe('app.shoal.desktop')
    expect(config.productName).toBe('Shoal')
    expect(config.directories.output).toBe('dist')
    expect(config.files).toEqual(expect.arrayContaining(['out/**', 'package.json']))
    expect(config.asar).toBe(true)
  })

  it('registers shoal:// links', () => {
    expect(config.protocols).toEqual([{ name: 'Shoal link', schemes: ['shoal'] }])
  })

  it('closes the fuses', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true
    })
  })

  it('unpacks every package with native prebuilds from the asar', () => {
    const natives = [...packagesWithPrebuilds()].sort()
    expect(natives).toEqual(expect.arrayContaining(['sodium-native', 'udx-native', 'rocksdb-native'])) // the scan sees them
    const matchers = unpackMatchers(config.asarUnpack)
    const missing = natives.filter((name) => !matchers.some((re) => re.test(name)))
    expect(missing).toEqual([])
  })

  it('builds the agreed targets with the icons that exist', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb'])
    expect(config.linux.category).toMatch(/Network|Utility/)
    expect(config.mac.target).toEqual(['dmg', 'zip'])
    expect(config.mac.category).toBe('public.app-category.productivity')
    expect(config.win.target).toEqual(['nsis'])
    for (const icon of [config.linux.icon, config.mac.icon, config.win.icon]) expect(fs.existsSync(path.join(root, icon)), icon).toBe(true)
  })

  it('ships a tray icon for every tray state at 1x and 2x', async () => {
    const { TRAY_STATES, TRAY_ICON } = await import('../../main/desktop/tray-state.ts')
    for (const state of TRAY_STATES) {
      const icon = TRAY_ICON[state]
      for (const [file, size] of [[`tray-${icon}.png`, 16], [`tray-${icon}@2x.png`, 32]] as const) {
        const png = fs.readFileSync(path.join(root, 'assets', file))
        expect(png.subarray(1, 4).toString('latin1'), file).toBe('PNG')
        expect([png.readUInt32BE(16), png.readUInt32BE(20)], file).toEqual([size, size])
      }
    }
    const icon = fs.readFileSync(path.join(root, 'assets', 'icon.png'))
    expect([icon.readUInt32BE(16), icon.readUInt32BE(20)]).toEqual([512, 512])
  })
})
