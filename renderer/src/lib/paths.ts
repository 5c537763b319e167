// Paths inside a folder are drive paths: '/' separated, starting with '/'. Paths on the user's
// disk come from the engine as they are (could be C:\…), so only the separator already in use there
// is ever added.

export interface Crumb {
  name: string
  dir: string
}

/** '/a/b' -> [{ name: root, dir: '/' }, { name: 'a', dir: '/a' }, { name: 'b', dir: '/a/b' }] */
export function breadcrumbs(dir: string, rootName: string): Crumb[] {
  const out: Crumb[] = [{ name: rootName, dir: '/' }]
  let current = ''
  for (const part of dir.split('/').filter(Boolean)) {
    current += '/' + part
    out.push({ name: part, dir: current })
  }
  return out
}

export function parentDir(dir: string): string {
  const i = dir.replace(/\/+$/, '').lastIndexOf('/')
  return i <= 0 ? '/' : dir.slice(0, i)
}

function separatorOf(diskPath: string): string {
  return diskPath.includes('\\') && !diskPath.includes('/') ? '\\' : '/'
}

/**
 * Where a receiver saves an old version by default: next to the file, with the version in the
 * name (`report.v3.pdf`), so it never overwrites the synced copy.
 */
export function suggestRestorePath(folderPath: string, drivePath: string, version: number): string {
  const sep = separatorOf(folderPath)
  const parts = drivePath.split('/').filter(Boolean)
  const base = parts.pop() ?? 'file'
  const dot = base.lastIndexOf('.')
  const named = dot > 0 ? `${base.slice(0, dot)}.v${version}${base.slice(dot)}` : `${base}.v${version}`
  const root = folderPath.length > 1 ? folderPath.replace(/[\\/]+$/, '') : folderPath
  return [root === '/' ? '' : root, ...parts, named].join(sep)
}
