import fs from 'node:fs'
import path from 'node:path'
import { describe, it, expect } from 'vitest'

// DESIGN.md's layer rule: imports only go down. This scan reads every source file's imports and
// fails naming the file and the import that crosses a layer.
const root = path.resolve(import.meta.dirname, '../..')

const layers: Array<{ dir: string; mayImport: string[]; forbidden: RegExp[] }> = [
  { dir: 'shared', mayImport: ['shared'], forbidden: [/^(?!zod$|zod\/)(?!node:)[^.]/, /^node:/] },
  { dir: 'main/engine', mayImport: ['shared', 'main/engine', 'main/types'], forbidden: [/^electron$/] },
  { dir: 'main/daemon', mayImport: ['shared', 'main/engine', 'main/daemon', 'main/types'], forbidden: [/^electron$/] },
  { dir: 'main/preload', mayImport: ['shared', 'main/preload'], forbidden: [/^node:/] },
  { dir: 'renderer', mayImport: ['shared', 'renderer'], forbidden: [/^electron$/, /^node:/] }
]

function sourceFiles(dir: string): string[] {
  const abs = path.join(root, dir)
  if (!fs.existsSync(abs)) return []
  const out: string[] = []
  for (const entry of fs.readdirSync(abs, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !/\.(ts|js|mjs|svelte)$/.test(entry.name)) continue
    const file = path.join(entry.parentPath, entry.name)
    if (file.includes('node_modules')) continue
    // Build configs (vite.config.ts...) run in Node at build time, not in the layer's environment.
    if (/\.config\.(ts|js|mjs)$/.test(entry.name)) continue
    out.push(file)
  }
  return out
}

function importsOf(file: string): string[] {
  // Comments may mention require('electron') to warn against it; only code counts.
  const text = fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1')
  const specs: string[] = []
  const re = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g
  for (const m of text.matchAll(re)) specs.push(m[1] ?? m[2] ?? m[3] ?? m[4])
  return specs
}

describe('layer rules (DESIGN.md)', () => {
  for (const layer of layers) {
    it(`${layer.dir}/ imports only from ${layer.mayImport.join(', ')}`, () => {
      const problems: string[] = []
      for (const file of sourceFiles(layer.dir)) {
        for (const spec of importsOf(file)) {
          const rel = path.relative(root, file)
          if (spec.startsWith('.')) {
            const target = path.relative(root, path.resolve(path.dirname(file), spec))
            if (!layer.mayImport.some((allowed) => target === allowed || target.startsWith(allowed + '/'))) problems.push(`${rel} imports ${spec} (${target})`)
          } else if (layer.forbidden.some((re) => re.test(spec))) {
            problems.push(`${rel} imports ${spec}`)
          }
        }
      }
      expect(problems).toEqual([])
    })
  }

  // The preload also uses electron (contextBridge), but it only ever runs inside Electron's sandbox;
  // everything else may run in plain Node, where require('electron') starts a binary download.
  it('only main/desktop/ (and the preload) may import electron', () => {
    const offenders: string[] = []
    for (const dir of ['shared', 'main/engine', 'main/daemon', 'renderer', 'tests', 'scripts', 'bin']) {
      for (const file of sourceFiles(dir)) {
        if (importsOf(file).some((s) => s === 'electron' || s.startsWith('electron/'))) offenders.push(path.relative(root, file))
      }
    }
    expect(offenders).toEqual([])
  })

  it('the scan sees imports (guards against a regex that matches nothing)', () => {
    expect(importsOf(path.join(root, 'main/engine/engine.ts'))).toContain('../../shared/errors.ts')
  })
})
