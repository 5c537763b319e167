// Counts as people read them (12,345), the same in the engine's messages, the CLI and the UI.
export function formatCount(n: number): string {
  return n.toLocaleString('en-US')
}
