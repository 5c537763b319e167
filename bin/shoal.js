#!/usr/bin/env node
// The `shoal` command. It runs the compiled CLI (out/cli/shoal.mjs, written by scripts/build-cli.mjs
// during `npm ci` and `npm run build`) when that build is current: no source file it was built from
// has changed since. Otherwise (never built, or TypeScript edited since) it runs the TypeScript
// through tsx, as slow as before but never out of date.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** out/cli/shoal.mjs if it is current, else null. About 130 stat calls: a millisecond or two. */
function compiledCli() {
  const dir = path.join(root, 'out', 'cli')
  try {
    const { inputs } = JSON.parse(fs.readFileSync(path.join(dir, 'stamp.json'), 'utf8'))
    const files = Object.entries(inputs ?? {})
    if (files.length === 0) return null
    for (const [file, mtimeMs] of files) {
      if (fs.statSync(path.join(root, file)).mtimeMs !== mtimeMs) return null // edited since the build
    }
    const entry = path.join(dir, 'shoal.mjs')
    return fs.existsSync(entry) ? entry : null
  } catch {
    return null // no build, an unreadable stamp, or a source file gone: run the sources
  }
}

const compiled = compiledCli()
if (compiled) {
  await import(pathToFileURL(compiled).href)
} else {
  const { register } = await import('tsx/esm/api')
  register()
  await import(pathToFileURL(path.join(root, 'main', 'daemon', 'cli.ts')).href)
}
