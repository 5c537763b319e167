// Deterministic benchmark data: names and sizes from a seeded PRNG, content from a seeded AES-CTR
// keystream (GB/s, no byte-by-byte generation), and a streaming sha256 of a whole tree to verify.
import fs from 'node:fs/promises'
import path from 'node:path'
import { createCipheriv, createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { prng } from '../helpers/random.ts'

export interface DatasetSpec {
  seed: number
  small: number
  smallMinKiB: number
  smallMaxKiB: number
  medium: number
  mediumMinMiB: number
  mediumMaxMiB: number
  largeMiB: number
  dirs: number
}

export interface Dataset {
  root: string
  files: number
  bytes: number
  /** Relative paths of the small files (edit targets). */
  small: string[]
}

const between = (rand: () => number, min: number, max: number) => min + Math.floor(rand() * (max - min + 1))
const CHUNK = 4 * 1024 * 1024
const ZERO = Buffer.alloc(CHUNK)

/** Keystream unique to (seed, id): every file has distinct content, reproducible from the seed. */
function keystream(seed: number, id: string) {
  return createCipheriv('aes-256-ctr', createHash('sha256').update(`${seed}:${id}`).digest(), Buffer.alloc(16))
}

/** `size` pseudo-random bytes for (seed, id); for buffers up to a few MiB. */
export function content(seed: number, id: string, size: number): Buffer {
  const ks = keystream(seed, id)
  const out = Buffer.allocUnsafe(size)
  for (let off = 0; off < size; off += CHUNK) {
    const n = Math.min(CHUNK, size - off)
    ks.update(ZERO.subarray(0, n)).copy(out, off)
  }
  return out
}

async function writeStreamed(file: string, seed: number, id: string, size: number): Promise<void> {
  const ks = keystream(seed, id)
  const fh = await fs.open(file, 'w')
  try {
    for (let left = size; left > 0; left -= CHUNK) await fh.write(ks.update(ZERO.subarray(0, Math.min(CHUNK, left))))
  } finally {
    await fh.close()
  }
}

/** Runs fn over items with at most n in flight. */
export async function pool<T>(items: T[], n: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      await fn(items[i], i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker))
}

/** `count` nested folder paths: each one is top-level or a child of an earlier one (depth <= 5). */
export function nestedDirs(rand: () => number, count: number): string[] {
  const dirs: string[] = []
  for (let i = 0; i < count; i++) {
    const parents = dirs.filter((d) => d.split('/').length < 5)
    const parent = i < 8 || rand() < 0.25 || parents.length === 0 ? '' : parents[Math.floor(rand() * parents.length)] + '/'
    dirs.push(`${parent}dir-${String(i).padStart(3, '0')}`)
  }
  return dirs
}

export async function generateDataset(root: string, spec: DatasetSpec): Promise<Dataset> {
  const rand = prng(spec.seed)
  const dirs = nestedDirs(rand, spec.dirs)
  for (const d of dirs) await fs.mkdir(path.join(root, d), { recursive: true })
  const small: Array<{ rel: string; size: number }> = []
  for (let i = 0; i < spec.small; i++) {
    const dir = dirs[Math.floor(rand() * dirs.length)]
    small.push({ rel: `${dir}/file-${String(i).padStart(5, '0')}.dat`, size: between(rand, spec.smallMinKiB * 1024, spec.smallMaxKiB * 1024) })
  }
  const big: Array<{ rel: string; size: number }> = []
  for (let i = 0; i < spec.medium; i++) {
    big.push({ rel: `media/medium-${String(i).padStart(2, '0')}.bin`, size: between(rand, spec.mediumMinMiB * 1024 * 1024, spec.mediumMaxMiB * 1024 * 1024) })
  }
  if (spec.largeMiB > 0) big.push({ rel: 'large.bin', size: spec.largeMiB * 1024 * 1024 })
  if (spec.medium > 0) await fs.mkdir(path.join(root, 'media'), { recursive: true })
  await pool(small, 32, async (f) => fs.writeFile(path.join(root, f.rel), content(spec.seed, f.rel, f.size)))
  await pool(big, 2, async (f) => writeStreamed(path.join(root, f.rel), spec.seed, f.rel, f.size))
  const all = [...small, ...big]
  return { root, files: all.length, bytes: all.reduce((s, f) => s + f.size, 0), small: small.map((f) => f.rel) }
}

/** `count` tiny files (0-256 bytes) over 100 folders, for the stat-only rescan measurement. */
export async function generateTiny(root: string, count: number, seed: number): Promise<Dataset> {
  const rand = prng(seed ^ 0x5eed)
  const dirs = nestedDirs(rand, 100)
  for (const d of dirs) await fs.mkdir(path.join(root, d), { recursive: true })
  const files = Array.from({ length: count }, (_, i) => ({ rel: `${dirs[i % dirs.length]}/t-${i}.txt`, size: between(rand, 0, 256) }))
  await pool(files, 32, async (f) => fs.writeFile(path.join(root, f.rel), content(seed, 'tiny/' + f.rel, f.size)))
  return { root, files: count, bytes: files.reduce((s, f) => s + f.size, 0), small: [] }
}

export interface TreeDigest {
  files: number
  bytes: number
  hashes: Map<string, string>
}

/** sha256 of every regular file under root, streamed (a 300 MiB file never sits in memory). */
export async function treeDigest(root: string): Promise<TreeDigest> {
  const files: Array<{ rel: string; size: number }> = []
  async function walk(dir: string, rel: string): Promise<void> {
    for (const e of await fs.readdir(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name
      if (e.isDirectory()) await walk(path.join(dir, e.name), r)
      else if (e.isFile()) files.push({ rel: r, size: (await fs.stat(path.join(dir, e.name))).size })
    }
  }
  await walk(root, '')
  const hashes = new Map<string, string>()
  await pool(files, 8, async (f) => {
    const h = createHash('sha256')
    for await (const chunk of createReadStream(path.join(root, f.rel), { highWaterMark: 1024 * 1024 })) h.update(chunk as Buffer)
    hashes.set(f.rel, h.digest('hex'))
  })
  return { files: files.length, bytes: files.reduce((s, f) => s + f.size, 0), hashes }
}

/** Differences between two digests (empty lists = identical trees). */
export function compareTrees(a: TreeDigest, b: TreeDigest): { missing: string[]; different: string[]; extra: string[] } {
  const missing: string[] = []
  const different: string[] = []
  for (const [rel, h] of a.hashes) {
    const other = b.hashes.get(rel)
    if (other === undefined) missing.push(rel)
    else if (other !== h) different.push(rel)
  }
  const extra = [...b.hashes.keys()].filter((rel) => !a.hashes.has(rel))
  return { missing, different, extra }
}

/**
 * `count` small files (minBytes-maxBytes each, default 100 B - 2 KB) over nested folders, about 100
 * files a folder, for the scale run (scale-bench.ts). Names, sizes and bytes come from the seed.
 */
export async function generateScale(root: string, count: number, seed: number, minBytes = 100, maxBytes = 2000): Promise<Dataset & { dirs: number }> {
  const rand = prng(seed ^ 0x5ca1e)
  const dirs = nestedDirs(rand, Math.max(10, Math.ceil(count / 100)))
  for (const d of dirs) await fs.mkdir(path.join(root, d), { recursive: true })
  const files = Array.from({ length: count }, (_, i) => ({ rel: `${dirs[Math.floor(rand() * dirs.length)]}/f-${String(i).padStart(6, '0')}.txt`, size: between(rand, minBytes, maxBytes) }))
  await pool(files, 32, async (f) => fs.writeFile(path.join(root, f.rel), content(seed, 'scale/' + f.rel, f.size)))
  return { root, files: count, bytes: files.reduce((s, f) => s + f.size, 0), small: files.map((f) => f.rel), dirs: dirs.length }
}

/** Whether `dst` holds exactly `src` (sha256 of every file), with a line saying so or what differs. */
export async function verifyCopy(src: string, dst: string, expectedFiles: number): Promise<{ verified: boolean; detail: string }> {
  const [a, b] = await Promise.all([treeDigest(src), treeDigest(dst)])
  const diff = compareTrees(a, b)
  const verified = a.files === expectedFiles && diff.missing.length + diff.different.length + diff.extra.length === 0
  const detail = verified
    ? `${b.files} files, ${b.bytes} bytes identical`
    : `missing ${diff.missing.length}, different ${diff.different.length}, extra ${diff.extra.length} (e.g. ${[...diff.missing, ...diff.different, ...diff.extra].slice(0, 3).join(', ')})`
  return { verified, detail }
}
