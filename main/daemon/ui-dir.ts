import fs from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The built web UI (out/renderer), or undefined when it has not been built yet. */
export function builtUiDir(): string | undefined {
  const dir = fileURLToPath(new URL('../../out/renderer/', import.meta.url))
  return fs.existsSync(dir + 'index.html') ? dir : undefined
}
