// How a device is shown, in the CLI and the UI alike: its name, with the start of its key only
// where two devices of the list share a name (or it has none yet). A device's identity is its
// network key (the key its connections authenticate with), the same in every list.

/** The first characters of a key: enough to tell devices apart where names clash. */
export function shortId(key: string): string {
  return key.slice(0, 8)
}

export interface Labelled {
  /** What the list knows the device by (the map's key). */
  id: string
  name?: string
  /** The network key to show where names clash, when `id` is another key (a writer key). */
  key?: string
}

/** Label of each device of `list`, by id: "laptop", or "laptop (1a2b3c4d)" where names clash. */
export function deviceLabels(list: readonly Labelled[]): Map<string, string> {
  const count = new Map<string, number>()
  const ids = new Map<string, Set<string>>()
  for (const d of list) {
    const n = (d.name ?? '').toLowerCase()
    if (!ids.has(n)) ids.set(n, new Set())
    ids.get(n)!.add(d.id)
  }
  for (const [n, set] of ids) count.set(n, set.size)
  const out = new Map<string, string>()
  for (const d of list) {
    const name = d.name ?? ''
    const key = shortId(d.key || d.id)
    if (name === '') out.set(d.id, key) // not named yet (its name comes just after it connects)
    else out.set(d.id, count.get(name.toLowerCase())! > 1 ? `${name} (${key})` : name)
  }
  return out
}
