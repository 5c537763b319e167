// Counts as people read them (12,345), the same in the engine's messages, the CLI and the UI.
export function formatCount(n: number): string {
  return n.toLocaleString('en-US')
}

/** A count with its noun, singular for exactly one: "1 file", "2 files", "1,234 changes", "1 copy" (many: "copies"). */
export function countOf(n: number, one: string, many = one + 's'): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`
}
