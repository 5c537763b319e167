import { z } from 'zod'

// Names a person gives (this device's name, a folder's name) travel to other devices and end up
// in terminals, logs, notifications and conflict-copy file names. They are text to read, so
// control characters (NUL, newline, ESC...), invisible format characters (bidi overrides) and
// line separators are refused with a message that names the character.
// Zero-width (non-)joiners are allowed: emoji sequences and some scripts need them.
const FORBIDDEN = /(?![\u200c\u200d])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]|\p{Cs}/u

/** Why `name` cannot be used as a name, or null when it can. */
export function nameProblem(name: string): string | null {
  if (name.trim() === '') return 'may not be blank'
  const bad = FORBIDDEN.exec(name)
  if (!bad) return null
  const code = 'U+' + bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')
  const what = /[\p{Cc}]/u.test(bad[0]) ? 'a control character' : /\p{Cs}/u.test(bad[0]) ? 'broken Unicode (an unpaired surrogate)' : 'an invisible formatting character'
  return `may not contain ${what} (${code} at position ${bad.index + 1}); use letters, digits, spaces and punctuation`
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
