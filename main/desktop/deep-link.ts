import { LINK_SCHEME, parseLink, type ShareLink } from '../../shared/link.ts'

// shoal:// links reach the app in two ways: on Windows and Linux the OS starts a second instance with
// the link in its argv (which the first instance receives through 'second-instance'); on macOS the
// running app gets an 'open-url' event. Both arrive here; anything that is not a valid share link is
// refused with a reason, and never acted on.

/** On refusal, `url` is the refused candidate when there was one (worth telling the user about). */
export type DeepLink = { link: ShareLink; url: string } | { link: null; reason: string; url?: string }

/** Longer than any real link (two 52-character keys plus the scheme): refuse before parsing. */
const MAX_LENGTH = 512

function findInArgv(argv: readonly unknown[]): string | null {
  // Chromium may add switches (--allow-file-access-from-files, --original-process-start-time=...)
  // anywhere in a second instance's argv; the link is the argument that starts with the scheme.
  for (const arg of argv) {
    if (typeof arg !== 'string') continue
    const text = arg.trim().replace(/^"(.*)"$/, '$1')
    if (text.toLowerCase().startsWith(LINK_SCHEME)) return text
  }
  return null
}

export function parseDeepLink(input: readonly unknown[] | unknown): DeepLink {
  const candidate = Array.isArray(input) ? findInArgv(input) : typeof input === 'string' ? input.trim() : null
  if (candidate === null) return { link: null, reason: `No ${LINK_SCHEME} link was given` }
  const url = candidate.slice(0, MAX_LENGTH)
  if (candidate.length > MAX_LENGTH) return { link: null, reason: `The link is ${candidate.length} characters long, too long to be a Shoal link`, url }
  if (!candidate.toLowerCase().startsWith(LINK_SCHEME)) return { link: null, reason: `Not a Shoal link (they start with ${LINK_SCHEME})`, url }
  try {
    return { link: parseLink(candidate), url: candidate }
  } catch (err) {
    return { link: null, reason: (err as Error).message, url }
  }
}
