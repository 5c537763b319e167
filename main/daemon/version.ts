import fs from 'node:fs'
import path from 'node:path'
import { appRoot } from './app-root.ts'

/** Shoal's version, from its package.json. Light on purpose: `shoal --version` loads only this. */
export function version(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(appRoot(), 'package.json'), 'utf8')) as { version: string }
  return pkg.version
}
