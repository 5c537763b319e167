import { describe, it, expect } from 'vitest'
import { COMMIT_KEY, markerNumber, versionKey } from '../../main/engine/drive/version-numbers.ts'

describe('version numbers in a drive', () => {
  it('reads the number a marker key carries, and keys sort in number order', () => {
    expect(markerNumber(versionKey(3), 2006)).toBe(3)
    expect(markerNumber(versionKey(123_456), 9)).toBe(123_456)
    expect([versionKey(10), versionKey(9), versionKey(100)].sort()).toEqual([versionKey(9), versionKey(10), versionKey(100)])
  })

  it('a drive from before numbering shows the position; a file key is no version', () => {
    expect(markerNumber(COMMIT_KEY, 2006)).toBe(2006)
    expect(markerNumber('files\u0000/a.txt', 5)).toBeNull()
  })

  it("a hostile publisher's marker keys are no versions", () => {
    for (const key of ['shoal\u0000v\u0000', 'shoal\u0000v\u0000000000000000', 'shoal\u0000v\u0000-00000000001', 'shoal\u0000v\u00001e+10000000', 'shoal\u0000v\u00000000000000012', 'shoal\u0000v\u0000abcdefabcdef']) {
      expect(markerNumber(key, 7), JSON.stringify(key)).toBeNull()
    }
  })
})
