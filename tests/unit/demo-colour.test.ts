import { describe, expect, it } from 'vitest'
import { bold, useColour } from '../../scripts/colour.ts'

// `npm run demo` prints its headings in bold only where a person sees them: piped into a file or a
// CI log, or with NO_COLOR set, it prints no escape codes.

describe('colour in the scripts (npm run demo)', () => {
  it('bold on a terminal; plain when piped, with NO_COLOR, or on a dumb terminal', () => {
    expect(bold('==>', { isTTY: true }, {})).toBe('\x1b[1m==>\x1b[0m')
    expect(bold('==>', { isTTY: false }, {})).toBe('==>')
    expect(bold('==>', {}, {})).toBe('==>')
    expect(bold('==>', { isTTY: true }, { NO_COLOR: '1' })).toBe('==>')
    expect(bold('==>', { isTTY: true }, { TERM: 'dumb' })).toBe('==>')
  })

  it('FORCE_COLOR turns it on when piped (FORCE_COLOR=0 off), and NO_COLOR still wins', () => {
    expect(useColour({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true)
    expect(useColour({ isTTY: true }, { FORCE_COLOR: '0' })).toBe(false)
    expect(useColour({ isTTY: false }, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(false)
    // An empty NO_COLOR means unset (no-color.org).
    expect(useColour({ isTTY: true }, { NO_COLOR: '' })).toBe(true)
  })
})
