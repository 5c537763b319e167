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

const PARSE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 }

/** A size as people type it ('10GB', '500 MB', '2GiB', '1.5g', '0'), in bytes; null when it is not one. */
export function parseBytes(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text)
  const unit = m ? PARSE_UNITS[m[2].toLowerCase()] : undefined
  if (!m || unit === undefined) return null
  const bytes = Math.round(Number(m[1]) * unit)
  return Number.isSafeInteger(bytes) ? bytes : null
}
