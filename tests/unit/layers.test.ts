import fs from 'node:fs'
import path from 'node:path'
import { describe, it, expect } from 'vitest'
import { LAYERS, checkImports, importsOf } from '../helpers/layer-rules.ts'

// DESIGN.md's layer rule: imports only go down, and each layer uses only the packages of its
// environment. This scan reads every source file's imports and fails naming the file and the import
// that crosses a layer (the rules: tests/helpers/layer-rules.ts). The probes below prove it sees them.
const root = path.resolve(import.meta.dirname, '../..')

function sourceFiles(dir: string): string[] {
  const abs = path.join(root, dir)
  if (!fs.existsSync(abs)) return []
  const out: string[] = []
  for (const entry of fs.readdirSync(abs, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !/\.(ts|js|mjs|cjs|mts|cts|svelte)$/.test(entry.name)) continue
    const file = path.join(entry.parentPath, entry.name)
    if (file.includes('node_modules')) continue
    // Build configs (vite.config.ts...) run in Node at build time, not in the layer's environment.
    if (/\.config\.(ts|js|mjs)$/.test(entry.name)) continue
    out.push(file)
  }
  return out
}

const rel = (file: string) => path.relative(root, file).split(path.sep).join('/')
const importsOfFile = (file: string) => importsOf(fs.readFileSync(file, 'utf8'))

describe('layer rules (DESIGN.md)', () => {
  for (const layer of LAYERS) {
    it(`${layer.dir}/ imports only from ${layer.folders.join(', ')} and the packages ${layer.packages.join(', ') || '(none)'}`, () => {
      const files = sourceFiles(layer.dir)
      expect(files.length).toBeGreaterThan(0)
      const problems = files.flatMap((file) => checkImports(rel(file), fs.readFileSync(file, 'utf8')))
      expect(problems).toEqual([])
    })
  }

  // The preload also uses electron (contextBridge), but it only ever runs inside Electron's sandbox;
  // everything else may run in plain Node, where require('electron') starts a binary download.
  it('only main/desktop/ (and the preload) may import electron', () => {
    const offenders: string[] = []
    for (const dir of ['shared', 'main/engine', 'main/daemon', 'renderer', 'tests', 'scripts', 'bin']) {
      for (const file of sourceFiles(dir)) {
        if (importsOfFile(file).some((s) => s === 'electron' || s.startsWith('electron/'))) offenders.push(path.relative(root, file))
      }
    }
    expect(offenders).toEqual([])
  })

  // electron-builder ships `dependencies` only: a package a layer may use but the app does not declare
  // would be missing from the installed app. Electron itself is the runtime (a devDependency by rule).
  it('every package a layer may use is a declared dependency of the app', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
    const undeclared = LAYERS.flatMap((layer) => layer.packages.filter((p) => p !== 'electron' && !(p in pkg.dependencies)).map((p) => `${layer.dir}: ${p}`))
    expect(undeclared).toEqual([])
  })

  it('the scan sees imports (guards against a regex that matches nothing)', () => {
    expect(importsOfFile(path.join(root, 'main/engine/device.ts'))).toContain('../../shared/errors.ts')
  })
})

// Sources that cross a layer, checked by the same function as the real tree: if the checker stopped
// seeing one of these, the scan above would pass on a real crossing too.
describe('the layer check catches a crossing', () => {
  it('a renderer component importing hyperdrive', () => {
    const svelte = `<script lang="ts">\n  import Hyperdrive from 'hyperdrive'\n  let { key }: { key: string } = $props()\n</script>\n\n<p>{key}</p>\n`
    expect(checkImports('renderer/src/views/Probe.svelte', svelte)).toEqual([
      "renderer/src/views/Probe.svelte imports 'hyperdrive': renderer/ may not use the package hyperdrive (allowed: svelte, qrcode)"
    ])
  })

  it('desktop code importing renderer code', () => {
    const source = `import { formatBytes } from '../../renderer/src/lib/format.ts'\nexport const size = formatBytes(1024)\n`
    expect(checkImports('main/desktop/probe.ts', source)).toEqual([
      "main/desktop/probe.ts imports '../../renderer/src/lib/format.ts': main/desktop/ may not import from renderer/ (only from shared/, main/engine/, main/daemon/, main/desktop/, main/preload/, main/types/)"
    ])
  })

  it('engine code importing ws, however the import is written', () => {
    const forms = [
      `import { WebSocketServer } from 'ws'`,
      `import type { WebSocket } from 'ws'`,
      `import WebSocket, {\n  WebSocketServer,\n  type RawData\n} from 'ws'`,
      `export { WebSocketServer } from 'ws'`,
      `export * from 'ws'`,
      `import 'ws'`,
      `const { WebSocketServer } = await import('ws')`,
      `let server: import('ws').WebSocketServer`,
      `const ws = require('ws')`,
      `import { WebSocketServer } from 'ws/lib/websocket-server.js'`,
      `import path from 'node:path'; import { WebSocketServer } from "ws"`
    ]
    for (const source of forms) {
      const problems = checkImports('main/engine/network/probe.ts', source)
      expect(problems, source).toHaveLength(1)
      expect(problems[0], source).toMatch(/^main\/engine\/network\/probe\.ts imports 'ws(\/lib\/websocket-server\.js)?': main\/engine\/ may not use the package ws \(allowed: autobase, /)
    }
  })

  it('other crossings: Node in shared/ or the renderer, electron in the preload, a package no layer lists', () => {
    expect(checkImports('shared/probe.ts', `import fs from 'node:fs'`)).toEqual(["shared/probe.ts imports 'node:fs': shared/ does not run in Node and may not use its built-ins"])
    expect(checkImports('renderer/src/lib/probe.ts', `import { readFile } from 'node:fs/promises'`)).toHaveLength(1)
    expect(checkImports('main/preload/probe.ts', `import { ipcRenderer } from 'electron'`)).toEqual([
      "main/preload/probe.ts imports 'electron': main/preload/ may not use the package electron (allowed: none)"
    ])
    expect(checkImports('main/daemon/probe.ts', `import chalk from 'chalk'`)).toEqual(["main/daemon/probe.ts imports 'chalk': main/daemon/ may not use the package chalk (allowed: ws, hyperdht)"])
    expect(checkImports('main/engine/probe.ts', `import x from '/work/main/renderer/src/main.ts'`)).toHaveLength(1)
    expect(checkImports('shared/probe.ts', `import { x } from '../main/engine/engine.ts'`)).toEqual([
      "shared/probe.ts imports '../main/engine/engine.ts': shared/ may not import from main/engine/ (only from shared/)"
    ])
  })

  it('lets allowed imports and commented-out ones through', () => {
    const engine = [
      `import Hyperdrive from 'hyperdrive'`,
      `import fs from 'node:fs/promises'`,
      `import { ShoalError } from '../../shared/errors.ts'`,
      `import { scan } from './scanner.ts'`,
      `// import { WebSocketServer } from 'ws'`,
      `/* require('electron') would start a binary download */`
    ].join('\n')
    expect(checkImports('main/engine/probe.ts', engine)).toEqual([])
    expect(checkImports('renderer/src/lib/probe.ts', `import { writable } from 'svelte/store'\nimport QRCode from 'qrcode'\nimport type { FolderInfo } from '../../../shared/folder.ts'`)).toEqual([])
    expect(checkImports('main/desktop/probe.ts', `import { app } from 'electron'\nimport { Engine } from '../engine/engine.ts'\nimport { createBridge } from '../preload/index.ts'`)).toEqual([])
    expect(checkImports('tests/unit/probe.ts', `import Hyperdrive from 'hyperdrive'\nimport { app } from 'electron'`)).toEqual([]) // in no layer
  })
})
