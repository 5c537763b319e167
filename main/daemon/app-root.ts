import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

let cached: string | undefined

/**
 * The folder holding Shoal's package.json: the nearest one above this module. Found by walking up, so
 * it is the same whether this code runs as TypeScript (main/daemon/) or compiled (out/cli/, chunks
 * included), rather than a fixed '../../' that holds only for one of them.
 */
export function appRoot(): string {
  if (cached) return cached
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return (cached = dir)
    const up = path.dirname(dir)
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`)
    dir = up
  }
}
