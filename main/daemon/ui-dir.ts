import fs from 'node:fs'
import path from 'node:path'
import { appRoot } from './app-root.ts'

/** The built web UI (out/renderer), or undefined when it has not been built yet. */
export function builtUiDir(): string | undefined {
  const dir = path.join(appRoot(), 'out', 'renderer') + path.sep
  return fs.existsSync(dir + 'index.html') ? dir : undefined
}
