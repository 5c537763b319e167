import { describe, expect, it } from 'vitest'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { toShoalError } from '../../shared/errors.ts'

// OS and library errors become messages a person can act on, naming the user's path rather than
// Shoal's temp file or a syscall (toShoalError, used wherever the engine reports a failure).

describe('toShoalError', () => {
  it('a folder in the way of a rename names the destination, not the temp file', async () => {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-errors-'))
    try {
      const temp = path.join(tmp, '.~shoal-0123456789abcdef.tmp')
      await fs.writeFile(temp, 'x')
      await fs.mkdir(path.join(tmp, 'target', 'inside'), { recursive: true })
      const raw = await fs.rename(temp, path.join(tmp, 'target')).catch((e) => e)
      expect(raw.code).toMatch(/EISDIR|ENOTEMPTY|EEXIST/)
      const e = toShoalError(raw)
      expect(e.code).toBe('BAD_PATH')
      expect(e.message).toContain(path.join(tmp, 'target'))
      expect(e.message).not.toMatch(/\.~shoal-|EISDIR|ENOTEMPTY|rename '/)

      await fs.writeFile(path.join(tmp, 'file'), 'x')
      const notDir = toShoalError(await fs.mkdir(path.join(tmp, 'file', 'sub')).catch((e) => e))
      expect(notDir).toMatchObject({ code: 'BAD_PATH', message: `A file is in the way: part of ${tmp}/file/sub is a file where a folder is needed. Move or rename that file.` })
    } finally {
      await fs.rm(tmp, { recursive: true, force: true })
    }
  })

  it('EISDIR on a temp file points at its folder', () => {
    const e = toShoalError(Object.assign(new Error("EISDIR: illegal operation on a directory, open '/x/.~shoal-ab.tmp'"), { code: 'EISDIR', path: '/x/.~shoal-ab.tmp' }))
    expect(e.message).toBe('A folder is in the way: /x is a folder, so a file cannot be written in its place. Move or rename that folder, or choose another name.')
  })

  it('read-only filesystems, busy files, too many open files, a block nobody sends', () => {
    expect(toShoalError(Object.assign(new Error('x'), { code: 'EROFS', path: '/mnt/cd/a' }))).toMatchObject({ code: 'PERMISSION_DENIED', message: '/mnt/cd/a is on a read-only filesystem.' })
    expect(toShoalError(Object.assign(new Error('x'), { code: 'EMFILE' })).message).toMatch(/Too many files are open.*ulimit -n/)
    expect(toShoalError(Object.assign(new Error('Request timed out'), { code: 'REQUEST_TIMEOUT' }))).toMatchObject({ code: 'TIMEOUT', message: expect.stringMatching(/^No peer sent the data in time/) })
    // Anything else keeps its message (a bug report needs it).
    expect(toShoalError(new TypeError('boom'))).toMatchObject({ code: 'INTERNAL', message: 'boom' })
  })
})
