// Every file Shoal reads to hash or publish is opened here, so that no file can stall it: only
// regular files are read (a FIFO, a tty or a device node could block a libuv thread forever),
// the open never follows a link or waits (O_NOFOLLOW, O_NONBLOCK), and a read stops at the size
// the file had when it was opened (a /proc file says 0 bytes and then never ends).
import { constants, type Stats } from 'node:fs'
import { lstat, open, type FileHandle } from 'node:fs/promises'

// Absent on Windows (0 there): links are judged by lstat first, and nothing there blocks on open.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0)
// The smallest read: some kernel files refuse tiny ones (/proc/self/pagemap wants 8-byte reads).
const MIN_READ = 4096

/**
 * Why a file was not read. `special`: not a regular file, or a file whose content does not match
 * its size (proc, sys): skip it and say so. `changed`: it changed while we read it; the next scan
 * gets it (like Syncthing's "file modified during hashing").
 */
export class UnreadableFile extends Error {
  readonly code: 'ESPECIAL' | 'ECHANGED'
  readonly reason: string

  constructor(code: 'ESPECIAL' | 'ECHANGED', file: string, reason: string) {
    super(`${file}: ${reason}`)
    this.name = 'UnreadableFile'
    this.code = code
    this.reason = reason
  }
}

export interface ReadOptions {
  /** Stats the caller already judged the file by: the file read must be that same file. */
  expected?: Stats
  /** Checked between chunks: reading stops (throwing what it throws) within one chunk. */
  checkStop?: () => void
}

/** What kind of node a Stats describes, in the words of a warning. */
export function describeNode(st: { isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): string {
  if (st.isFIFO()) return 'a named pipe (FIFO)'
  if (st.isCharacterDevice()) return 'a character device'
  if (st.isBlockDevice()) return 'a block device'
  if (st.isSocket()) return 'a socket'
  if (st.isDirectory()) return 'a folder'
  if (st.isSymbolicLink()) return 'a link'
  return 'not a regular file'
}

const sameFile = (a: Stats, b: Stats) => a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs

/** An open regular file; read it with chunks() or readAll(), then close(). */
export class RegularFile {
  private constructor(
    readonly abs: string,
    private readonly fh: FileHandle,
    /** Stats when opened: chunks() yields exactly stat.size bytes. */
    readonly stat: Stats
  ) {}

  /**
   * Opens `abs` only if it is a regular file. A node of another kind is refused from lstat,
   * before any open (opening some devices has side effects); the open itself cannot block.
   */
  static async open(abs: string, opts: ReadOptions = {}): Promise<RegularFile> {
    const before = opts.expected ?? (await lstat(abs))
    if (!before.isFile()) throw new UnreadableFile('ESPECIAL', abs, `${describeNode(before)}; skipped`)
    let fh: FileHandle
    try {
      fh = await open(abs, OPEN_FLAGS)
    } catch (err) {
      // Became a link between lstat and open.
      if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new UnreadableFile('ECHANGED', abs, 'changed while it was read')
      throw err
    }
    try {
      const stat = await fh.stat()
      if (!stat.isFile()) throw new UnreadableFile('ESPECIAL', abs, `${describeNode(stat)}; skipped`)
      if (!sameFile(before, stat)) throw new UnreadableFile('ECHANGED', abs, 'changed while it was read')
      return new RegularFile(abs, fh, stat)
    } catch (err) {
      await fh.close()
      throw err
    }
  }

  /**
   * The file's bytes, exactly as many as its size said at open. Content longer or shorter than
   * that means the file changed meanwhile (its stats moved) or is not a real file (they did not).
   */
  async *chunks(maxChunk: number, opts: ReadOptions = {}): AsyncGenerator<Buffer> {
    const size = this.stat.size
    let done = 0
    for (;;) {
      opts.checkStop?.()
      // More than what is left, so the end of the file is seen, or content past it. A new
      // buffer each time: a consumer (a blob stream) may still hold the previous chunk.
      const buf = Buffer.allocUnsafe(Math.min(maxChunk, Math.max(MIN_READ, size + 1 - done)))
      const { bytesRead } = await this.fh.read(buf, 0, buf.length, done)
      if (bytesRead === 0) break
      if (done + bytesRead > size) await this.mismatch('longer')
      done += bytesRead
      yield buf.subarray(0, bytesRead)
    }
    if (done < size) await this.mismatch('shorter')
  }

  /** The whole file in memory (callers keep this for small files). */
  async readAll(opts: ReadOptions = {}): Promise<Buffer> {
    const parts: Buffer[] = []
    for await (const chunk of this.chunks(Infinity, opts)) parts.push(chunk)
    return parts.length === 1 ? parts[0] : Buffer.concat(parts)
  }

  private async mismatch(how: 'longer' | 'shorter'): Promise<never> {
    const now = await this.fh.stat()
    if (!sameFile(this.stat, now) || now.ctimeMs !== this.stat.ctimeMs) throw new UnreadableFile('ECHANGED', this.abs, 'changed while it was read')
    throw new UnreadableFile('ESPECIAL', this.abs, `its content is ${how} than its size says (a file of a special file system such as /proc or /sys); skipped`)
  }

  /** chmod of this very file (never of a link or of what replaced it since it was judged). */
  chmod(mode: number): Promise<void> {
    return this.fh.chmod(mode)
  }

  close(): Promise<void> {
    return this.fh.close()
  }
}

/** Opens, hands the file to `fn`, and always closes it. */
export async function withRegularFile<T>(abs: string, opts: ReadOptions, fn: (file: RegularFile) => Promise<T>): Promise<T> {
  const file = await RegularFile.open(abs, opts)
  try {
    return await fn(file)
  } finally {
    await file.close()
  }
}
