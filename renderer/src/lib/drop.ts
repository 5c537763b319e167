import type { DesktopCapabilities } from '../transport/types.ts'

// A folder dropped on the window: only the desktop app can turn it into a path (a web page never
// learns where a dropped file lives on disk).

export type DropResult = { path: string } | { unsupported: true } | null

export function hasFiles(e: DragEvent): boolean {
  return !!e.dataTransfer && [...e.dataTransfer.types].includes('Files')
}

export function pathFromDrop(e: DragEvent, desktop: DesktopCapabilities | null): DropResult {
  const file = e.dataTransfer?.files?.[0]
  if (!file) return null
  if (!desktop?.pathForFile) return { unsupported: true }
  const path = desktop.pathForFile(file)
  return path ? { path } : { unsupported: true }
}
