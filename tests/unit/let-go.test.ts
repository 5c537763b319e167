import { describe, it, expect } from 'vitest'
import { letGo, orNull, orEmpty, isProgrammerError } from '../../shared/let-go.ts'

const gone = Object.assign(new Error('ENOENT: no such file or directory'), { code: 'ENOENT' })

describe('letGo (one rule for swallowed errors)', () => {
  it('lets an expected failure go: a file that is gone, a closed session', async () => {
    await expect(Promise.reject(gone).catch(letGo)).resolves.toBeUndefined()
    await expect(Promise.reject(gone).catch(orNull)).resolves.toBeNull()
    await expect(Promise.reject(new Error('SESSION_CLOSED')).catch(orEmpty)).resolves.toEqual([])
  })

  it('throws a programmer error on instead of hiding the bug', async () => {
    const bug = (() => {
      try {
        ;(null as unknown as { close(): void }).close()
      } catch (err) {
        return err
      }
    })()
    expect(isProgrammerError(bug)).toBe(true)
    await expect(Promise.reject(bug).catch(letGo)).rejects.toBeInstanceOf(TypeError)
    await expect(Promise.reject(new RangeError('offset out of range')).catch(orNull)).rejects.toBeInstanceOf(RangeError)
    await expect(Promise.reject(Object.assign(new Error('x'), { code: 'ERR_ASSERTION' })).catch(orEmpty)).rejects.toThrow('x')
  })
})
