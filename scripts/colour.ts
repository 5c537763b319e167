// Colour for the scripts' own headings (npm run demo), only where a person sees it: on a terminal,
// unless NO_COLOR is set (no-color.org) or TERM is dumb; FORCE_COLOR turns it on anywhere. Piped
// into a file or a CI log, the text stays plain.

export interface ColourTarget {
  isTTY?: boolean
}

export function useColour(stream: ColourTarget, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false'
  return stream.isTTY === true && env.TERM !== 'dumb'
}

/** `text` in bold where colour is on, else as it is. */
export function bold(text: string, stream: ColourTarget = process.stdout, env: NodeJS.ProcessEnv = process.env): string {
  return useColour(stream, env) ? `\x1b[1m${text}\x1b[0m` : text
}
