// Which symbolic links Shoal publishes and creates. The rule is structural, judged on the link's
// own text, so it holds whatever other links exist on disk or arrive later:
// - relative targets only (an absolute one means something else on another computer);
// - every ".." comes first: "../../a/b" is fine, "sub/l/.." is not, because "sub/l" may itself be a
//   link to a shallower place, and ".." after it would then climb above where the text says;
// - the leading ".." never climb above the folder (a link at "a/b/c" may use at most two).
// Links are only ever created in real folders at their place (paths.ts checks every parent), so by
// induction every link resolves inside the folder or nowhere (dangling or a loop): a ".." climbs
// through real folders only, and whatever follows only descends, through folders or links that
// themselves resolve inside.

// eslint-disable-next-line no-control-regex
const CONTROL_CHAR = /[\u0000-\u001f\u007f]/

function isAbsoluteAnywhere(p: string): boolean {
  return p.startsWith('/') || p.startsWith('\\') || /^[A-Za-z]:/.test(p)
}

/** Why a link at `rel` (a relative POSIX path in the folder) pointing to `linkname` is refused, or null. */
export function linkTargetProblem(rel: string, linkname: string): string | null {
  if (typeof linkname !== 'string' || linkname === '') return 'its target is empty'
  if (CONTROL_CHAR.test(linkname)) return 'its target contains a control character'
  if (isAbsoluteAnywhere(linkname)) return 'absolute link targets are not synced (they point elsewhere on another computer)'
  if (linkname.includes('\\')) return 'its target contains a backslash'
  let up = 0
  let named = false
  for (const seg of linkname.split('/')) {
    if (seg === '' || seg === '.') continue
    if (seg !== '..') {
      named = true
      continue
    }
    if (named) return 'its target has ".." after a name, which could climb out of the folder through another link'
    up++
  }
  const depth = rel.split('/').length - 1
  if (up > depth) return 'it points outside the folder'
  return null
}
