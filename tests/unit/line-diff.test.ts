import { describe, expect, it } from 'vitest'
import { lineDiff } from '../../shared/line-diff.ts'
import { conflictName, parseConflictName } from '../../main/engine/fs/conflict-name.ts'

describe('the line diff of a conflict copy against its original', () => {
  it('marks lines only in the copy as added and lines only in the original as deleted, in order', () => {
    expect(lineDiff('one\ntwo\nthree\n', 'one\nTWO\nthree\nfour\n')).toEqual([
      { kind: 'same', text: 'one' },
      { kind: 'add', text: 'TWO' },
      { kind: 'del', text: 'two' },
      { kind: 'same', text: 'three' },
      { kind: 'add', text: 'four' }
    ])
  })

  it('gives up (null) rather than build a huge table', () => {
    const a = Array.from({ length: 3000 }, (_, i) => `a${i}`).join('\n')
    const b = Array.from({ length: 3000 }, (_, i) => `b${i}`).join('\n')
    expect(lineDiff(a, b)).toBeNull()
  })
})

describe('reading a conflict name back', () => {
  it('gives the original path, the time and the device of every name conflictName makes', () => {
    const time = Date.UTC(2026, 10, 24, 10, 15, 0)
    for (const [p, extra] of [['docs/a.tar.gz', undefined], ['.bashrc', undefined], ['notes', '3'], ['x/report.txt', '0123abcd-2']] as const) {
      const name = conflictName(p, { time, device: 'my laptop', ...(extra ? { extra } : {}) })
      expect(parseConflictName(name)).toEqual({ original: p, time, device: 'my_laptop' })
    }
    expect(parseConflictName('plain.txt')).toBeNull()
  })
})
