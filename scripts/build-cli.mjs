#!/usr/bin/env node
// `npm run build:cli` (also part of `npm run build` and of `npm ci`, through "prepare"): compiles the
// `shoal` command (main/daemon/cli.ts and everything it runs in-process: daemon, engine, shared) into
// ES modules, out/cli/shoal.mjs plus the chunks it imports on demand, so `shoal` starts without a
// TypeScript compiler at run time. node_modules stay external (native addons such as rocksdb-native
// and udx-native cannot be bundled).
//
// Next to it, out/cli/stamp.json lists every source file the bundle was built from, with its
// modification time. bin/shoal.js runs the bundle only while none of those files has changed;
// otherwise it runs the TypeScript through tsx, so an edit takes effect without a rebuild.
//
// Usage: node scripts/build-cli.mjs [--outdir DIR]   (default out/cli; tests build into a temp folder)
import fs from 'node:fs'
import path from 'node:path'
import { build } from 'esbuild'

const root = path.resolve(import.meta.dirname, '..')
const args = process.argv.slice(2)
const at = args.indexOf('--outdir')
const outdir = path.resolve(at >= 0 && args[at + 1] ? args[at + 1] : path.join(root, 'out', 'cli'))
const outfile = path.join(outdir, 'shoal.mjs')

const started = Date.now()
// Start clean: chunk names change with their content, and stale chunks would only pile up. The stamp
// goes first and comes back last, so bin/shoal.js never runs a half-written build.
fs.rmSync(path.join(outdir, 'stamp.json'), { force: true })
fs.rmSync(outdir, { recursive: true, force: true })
const result = await build({
  absWorkingDir: root,
  entryPoints: { shoal: path.join(root, 'main/daemon/cli.ts') },
  outdir,
  bundle: true,
  // The commands are imported on demand (run-cli.ts): they become chunks next to shoal.mjs, so
  // `shoal --version` loads neither them nor the packages they import.
  splitting: true,
  chunkNames: 'chunk-[hash]',
  outExtension: { '.js': '.mjs' },
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  metafile: true,
  logLevel: 'warning'
})

// Each source file with its modification time, paths relative to the project root. bin/shoal.js
// compares the times for equality (not against a clock, so files dated in the future do no harm).
// A file saved while esbuild ran may not be in the bundle: it gets time 0, which never matches.
const inputs = {}
for (const p of Object.keys(result.metafile.inputs).sort()) {
  const rel = path.relative(root, path.resolve(root, p))
  if (rel.split(path.sep).includes('node_modules')) continue
  const mtimeMs = fs.statSync(path.join(root, rel)).mtimeMs
  inputs[rel] = mtimeMs >= started ? 0 : mtimeMs
}
fs.writeFileSync(path.join(outdir, 'stamp.json'), JSON.stringify({ inputs }, null, 1) + '\n')

if (!args.includes('--quiet')) console.log(`shoal CLI: ${path.relative(process.cwd(), outfile) || outfile} from ${Object.keys(inputs).length} source files in ${Date.now() - started} ms`)
