import fs from 'node:fs/promises'
import path from 'node:path'
import { tempPathFor } from './temp-files.ts'

/** Writes small JSON state files so a crash leaves the old file or the new one, never half of one. */
export async function writeJsonAtomic(file: string, value: unknown, mode = 0o600): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true })
  const tmp = tempPathFor(file)
  const handle = await fs.open(tmp, 'w', mode)
  try {
    await handle.writeFile(JSON.stringify(value, null, 2) + '\n')
    await handle.sync()
  } finally {
    await handle.close()
  }
  try {
    await fs.rename(tmp, file)
  } catch (err) {
    await fs.rm(tmp, { force: true })
    throw err
  }
}

export async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
}
