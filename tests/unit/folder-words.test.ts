import { describe, expect, it } from 'vitest'
import { FolderKind, FolderState } from '../../shared/folder.ts'
import { kindName, stateName } from '../../shared/folder-words.ts'
import { countOf } from '../../shared/format-count.ts'
import { errorText } from '../../shared/error-words.ts'
import { ERROR_CODES } from '../../shared/errors.ts'

// The words the CLI and the UI share: one name per kind and state, counts with the right noun, and
// an error never shown as its bare code.

describe('folder words', () => {
  it('names every kind after the command that made it, and every state in words', () => {
    expect(FolderKind.options.map(kindName)).toEqual(['Shared', 'Joined', 'Two-way', 'Seeded'])
    expect(FolderState.options.map(stateName)).toEqual(['Starting', 'Scanning', 'Syncing', 'Up to date', 'Waiting for peers', 'Paused', 'Error', 'Stopped', 'Deletes held'])
    // From a newer engine: shown as it comes, not as "undefined".
    expect(kindName('mirror')).toBe('Mirror')
    expect(stateName('draining')).toBe('draining')
  })

  it('counts with the right noun', () => {
    expect(countOf(0, 'file')).toBe('0 files')
    expect(countOf(1, 'file')).toBe('1 file')
    expect(countOf(2, 'change')).toBe('2 changes')
    expect(countOf(10_000, 'change')).toBe('10,000 changes')
    expect(countOf(1, 'conflict copy', 'conflict copies')).toBe('1 conflict copy')
    expect(countOf(3, 'conflict copy', 'conflict copies')).toBe('3 conflict copies')
  })

  it('gives an error without words a sentence, and keeps the words of one that has them', () => {
    expect(errorText('DISK_FULL', 'The disk is full (writing /x/y): free some space.')).toBe('The disk is full (writing /x/y): free some space.')
    expect(errorText('FOLDER_MISSING', 'FOLDER_MISSING')).toMatch(/^The folder is missing or is not a folder/)
    expect(errorText('BAD_LINK', '')).toBe('That is not a Shoal link (they look like shoal://...).')
    expect(errorText('INTERNAL', 'PAIRING_REJECTED')).toMatch(/^Something went wrong/)
    for (const code of ERROR_CODES) {
      const text = errorText(code, code)
      expect(text, code).not.toMatch(/\b[A-Z]+_[A-Z_]+\b/)
      expect(text.length, code).toBeGreaterThan(20)
    }
  })
})
