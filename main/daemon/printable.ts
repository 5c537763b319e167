// Text that came from outside (a remote path, a device name a peer chose, an error message that
// quotes either) must never drive the user's terminal. A publisher can name a file
// "\x1b]0;pwned\x07..." or "\u202eexe.txt": printed raw, that retitles the window, moves the cursor,
// or shows a name reversed. Every printer of the command line passes such text through printable();
// runCli() passes every line through terminalSafe() as well, so a printer that forgets cannot
// reach the terminal with a control sequence.
//
// Escapes are visible and unambiguous enough to report: \n, \r, \t, \x1b for C0 controls, \uXXXX
// for DEL, C1 controls (\u009b is a one-byte CSI), bidi overrides and other invisible format
// characters, line/paragraph separators and unpaired surrogates. The \uXXXX form keeps --json
// output valid JSON with the same value. Zero-width (non-)joiners stay: emoji and scripts need them.

const UNSAFE = /(?![\u200c\u200d])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]|\p{Cs}/gu
const UNSAFE_KEEP_NEWLINE = /(?![\n\u200c\u200d])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]|\p{Cs}/gu

const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

function escape(ch: string): string {
  const short = SHORT[ch]
  if (short) return short
  const code = ch.codePointAt(0)!
  if (code < 0x20) return '\\x' + code.toString(16).padStart(2, '0')
  // Astral format characters (tags, U+E0001...) as their two UTF-16 units, as JSON writes them.
  let out = ''
  for (let i = 0; i < ch.length; i++) out += '\\u' + ch.charCodeAt(i).toString(16).padStart(4, '0')
  return out
}

/** One field of outside text, safe to print on one line: every control or invisible character escaped. */
export function printable(text: string): string {
  return String(text).replace(UNSAFE, escape)
}

/** A whole block of output: like printable(), but line breaks stay line breaks. */
export function terminalSafe(text: string): string {
  return String(text).replace(UNSAFE_KEEP_NEWLINE, escape)
}
