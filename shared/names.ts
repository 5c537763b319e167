import { z } from 'zod'

// Names a person gives (this device's name, a folder's name) travel to other devices and end up
// in terminals, logs, notifications and conflict-copy file names. They are text to read, so
// control characters (NUL, newline, ESC...), invisible format characters (bidi overrides) and
// line separators are refused with a message that names the character. A hook command may hold
// line breaks and tabs (it is a shell script) but nothing invisible: what the user confirms is
// what runs. Zero-width (non-)joiners are allowed: emoji sequences and some scripts need them.
const HIDDEN = /(?![\u200c\u200d])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]|\p{Cs}/gu

export interface HiddenCharacter {
  /** U+XXXX */
  code: string
  /** 1-based position in the text. */
  position: number
  what: string
}

/** The first control, invisible formatting or broken character of `text` not in `allowed`, or null. */
export function hiddenCharacter(text: string, allowed = ''): HiddenCharacter | null {
  for (const m of text.matchAll(HIDDEN)) {
    if (allowed.includes(m[0])) continue
    const code = 'U+' + m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')
    const what = /\p{Cc}/u.test(m[0]) ? 'a control character' : /\p{Cs}/u.test(m[0]) ? 'broken Unicode (an unpaired surrogate)' : 'an invisible formatting character'
    return { code, position: m.index + 1, what }
  }
  return null
}

/** Why `name` cannot be used as a name, or null when it can. */
export function nameProblem(name: string): string | null {
  if (name.trim() === '') return 'may not be blank'
  const bad = hiddenCharacter(name)
  return bad ? `may not contain ${bad.what} (${bad.code} at position ${bad.position}); use letters, digits, spaces and punctuation` : null
}

/** A name schema of at most `max` characters, refusing what nameProblem() refuses. */
export function nameSchema(max: number) {
  return z
    .string()
    .min(1)
    .max(max)
    .superRefine((name, ctx) => {
      const problem = nameProblem(name)
      if (problem) ctx.addIssue({ code: 'custom', message: problem })
    })
}

/** A shell command (a hook): line breaks and tabs allowed, nothing that hides what it says. */
export function commandSchema(max: number) {
  return z
    .string()
    .min(1)
    .max(max)
    .superRefine((command, ctx) => {
      const bad = hiddenCharacter(command, '\n\t')
      if (bad) ctx.addIssue({ code: 'custom', message: `may not contain ${bad.what} (${bad.code} at position ${bad.position}): the command that runs must be the one you can read` })
    })
}

/**
 * A name another device sent (its device name): shown, never trusted. Hidden characters become
 * spaces, runs of spaces one, and it is cut to `max` characters; '' when nothing readable is left.
 */
export function cleanName(text: unknown, max = 64): string {
  if (typeof text !== 'string') return ''
  const clean = text.slice(0, max * 4).replace(HIDDEN, ' ').replace(/\s+/g, ' ').trim()
  return [...clean].slice(0, max).join('').trim()
}
