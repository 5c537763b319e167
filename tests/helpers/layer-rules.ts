import path from 'node:path'

// The layer table of DESIGN.md as data, and the check of one source file against it. Each layer is a
// folder that runs in one environment; it may import from the folders listed (imports only go down:
// shared <- engine <- daemon <- desktop) and from the npm packages listed, nothing else. A package
// joins a list on purpose, in review: it is what decides where a dependency may run.

export interface Layer {
  dir: string
  /** Repo folders it may import from, itself included. */
  folders: string[]
  /** npm packages it may import (subpaths included: `svelte/store` is svelte). */
  packages: string[]
  /** Whether it runs in Node and may import `node:` built-ins. */
  node: boolean
}

export const LAYERS: Layer[] = [
  // Anywhere, the browser included: the contract and pure code only.
  { dir: 'shared', folders: ['shared'], packages: ['zod'], node: false },
  // Plain Node: the Holepunch stack, the folder watcher and gitignore rules. Never electron, ws or UI code.
  {
    dir: 'main/engine',
    folders: ['shared', 'main/engine', 'main/types'],
    packages: ['autobase', 'b4a', 'blind-pairing', 'chokidar', 'corestore', 'hyperbee', 'hyperblobs', 'hypercore', 'hypercore-crypto', 'hypercore-storage', 'hyperdht', 'hyperdrive', 'hyperswarm', 'ignore', 'rache', 'z32'],
    node: true
  },
  // The engine plus the HTTP/WebSocket bridge and the CLI (hyperdht: `shoal bootstrap` runs a DHT node).
  { dir: 'main/daemon', folders: ['shared', 'main/engine', 'main/daemon', 'main/types'], packages: ['ws', 'hyperdht'], node: true },
  // Electron's main process runs the engine and the daemon's API server; main/preload because the
  // preload script's entry (main/desktop/preload.ts) lives here, the one folder that imports electron.
  { dir: 'main/desktop', folders: ['shared', 'main/engine', 'main/daemon', 'main/desktop', 'main/preload', 'main/types'], packages: ['electron'], node: true },
  // Runs in Electron's sandbox; gets the few Electron objects it needs from main/desktop/preload.ts.
  { dir: 'main/preload', folders: ['shared', 'main/preload'], packages: [], node: false },
  // The browser: the contract and a transport, Svelte, and the QR code of a link.
  { dir: 'renderer', folders: ['shared', 'renderer'], packages: ['svelte', 'qrcode'], node: false }
]

/** The layer a repo-relative path (with `/`) belongs to, if any. */
export function layerOf(file: string): Layer | undefined {
  return LAYERS.find((layer) => file === layer.dir || file.startsWith(layer.dir + '/'))
}

/** The module specifiers a source file (TS, JS or a Svelte component) imports, in code only. */
export function importsOf(source: string): string[] {
  // Comments may mention require('electron') to warn against it; only code counts.
  const text = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1')
  const specs: string[] = []
  // Static imports and re-exports (also several on one line, split by `;`), side-effect imports,
  // import() (also in types: `import('x').T`) and require().
  const re = /(?:^|[\n;])\s*(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)|(?:^|[\n;])\s*import\s*['"]([^'"]+)['"]/g
  for (const m of text.matchAll(re)) specs.push(m[1] ?? m[2] ?? m[3] ?? m[4])
  return specs
}

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`. */
export function packageOf(spec: string): string {
  const parts = spec.split('/')
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
}

function list(items: string[], suffix = ''): string {
  return items.length === 0 ? 'none' : items.map((i) => i + suffix).join(', ')
}

/**
 * Every import of `file` (repo-relative, with `/`) that its layer does not allow, each naming the
 * file, the import and the rule; [] when all are allowed or the file is in no layer.
 */
export function checkImports(file: string, source: string): string[] {
  const layer = layerOf(file)
  if (!layer) return []
  const problems: string[] = []
  for (const spec of importsOf(source)) {
    const why = crossing(layer, file, spec)
    if (why) problems.push(`${file} imports '${spec}': ${why}`)
  }
  return problems
}

function crossing(layer: Layer, file: string, spec: string): string | null {
  if (spec.startsWith('.')) {
    const target = path.posix.join(path.posix.dirname(file), spec)
    if (layer.folders.some((dir) => target === dir || target.startsWith(dir + '/'))) return null
    const into = layerOf(target)?.dir ?? target.split('/')[0]
    return `${layer.dir}/ may not import from ${into}/ (only from ${list(layer.folders, '/')})`
  }
  if (spec.startsWith('/') || (/^[a-z][a-z0-9+.-]*:/i.test(spec) && !spec.startsWith('node:'))) {
    return 'an absolute path or URL; import by a relative path or a package name'
  }
  if (spec.startsWith('node:')) return layer.node ? null : `${layer.dir}/ does not run in Node and may not use its built-ins`
  const pkg = packageOf(spec)
  if (layer.packages.includes(pkg)) return null
  return `${layer.dir}/ may not use the package ${pkg} (allowed: ${list(layer.packages)})`
}
