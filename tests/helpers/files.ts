import fs from 'node:fs/promises'
import path from 'node:path'
import { createHash } from 'node:crypto'

/** path -> sha256 of every regular file under root (symlinks as 'link:<target>'), temp files excluded. */
export async function treeHashes(root: string, opts: { includeConflicts?: boolean } = {}): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  async function walk(dir: string, rel: string): Promise<void> {
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => [])
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name
      const abs = path.join(dir, e.name)
      if (!opts.includeConflicts && e.name.includes('.sync-conflict-')) continue
      if (e.isDirectory()) await walk(abs, r)
      else if (e.isSymbolicLink()) out[r] = 'link:' + (await fs.readlink(abs))
      else if (e.isFile()) out[r] = createHash('sha256').update(await fs.readFile(abs)).digest('hex')
    }
  }
  await walk(root, '')
  return out
}

export async function writeFiles(root: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(root, rel)
    await fs.mkdir(path.dirname(abs), { recursive: true })
    await fs.writeFile(abs, content)
  }
}

/** Polls `check` until it returns true, or fails with `what` after the deadline. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  while (Date.now() < deadline) {
    try {
      if (await check()) return
    } catch (err) {
      lastError = err
    }
    await new Promise((r) => setTimeout(r, intervalMs))
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`)
}

/** Waits until two folders hold the same files with the same content. */
export async function waitForSameTree(a: string, b: string, timeoutMs = 60_000): Promise<void> {
  let last = ''
  await waitFor(
    `${b} to match ${a}`,
    async () => {
      const [ha, hb] = await Promise.all([treeHashes(a), treeHashes(b)])
      last = JSON.stringify({ missing: Object.keys(ha).filter((k) => ha[k] !== hb[k]).slice(0, 5), extra: Object.keys(hb).filter((k) => !(k in ha)).slice(0, 5) })
      return sortedJson(ha) === sortedJson(hb)
    },
    timeoutMs
  ).catch((err) => {
    throw new Error(`${(err as Error).message}; difference: ${last}`)
  })
}

export async function exists(p: string): Promise<boolean> {
  return fs.lstat(p).then(() => true, () => false)
}

const sortedJson = (o: Record<string, string>) => JSON.stringify(Object.keys(o).sort().map((k) => [k, o[k]]))
