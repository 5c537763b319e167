// Sizes as people read them, the same in the engine's messages, the CLI and the UI. Decimal units
// (1 KB = 1000 B) like the file managers on macOS and GNOME, so sizes match what the user sees elsewhere.

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB']

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '–'
  if (bytes < 1000) return `${Math.round(bytes)} B`
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000
    unit++
  }
  // Three significant digits at most: 1.5 MB, 15 MB, 150 MB (rounding may reach the next unit).
  let text = value < 10 ? value.toFixed(1) : String(Math.round(value))
  if (text === '1000' && unit < UNITS.length - 1) {
    text = '1.0'
    unit++
  }
  return `${text.replace(/\.0$/, '')} ${UNITS[unit]}`
}
