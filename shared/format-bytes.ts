// Sizes as people read them, the same in the engine's messages, the CLI and the UI. Binary units
// (1 KiB = 1024 B), named as such, like Syncthing's GUI and `ls -h`/`du -h`: one formatter, so a
// folder is "286 MiB" in `shoal status` and on its card, never "300 MB" in one place.

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '–'
  if (bytes < 1024) return `${Math.round(bytes)} B`
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit++
  }
  // One decimal under 10 (1.5 MiB), whole numbers above (15 MiB, 150 MiB); rounding may reach the next unit.
  let text = value < 10 ? value.toFixed(1) : String(Math.round(value))
  if (text === '10.0') text = '10'
  if (text === '1024' && unit < UNITS.length - 1) {
    text = '1.0'
    unit++
  }
  return `${text.replace(/\.0$/, '')} ${UNITS[unit]}`
}

// What people type: decimal units as the SI defines them (10GB = 10,000,000,000 bytes, as disk
// makers count) and binary ones (10GiB); a bare letter is decimal.
const PARSE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 }

/** A size as people type it ('10GB', '500 MB', '2GiB', '1.5g', '0'), in bytes; null when it is not one. */
export function parseBytes(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text)
  const unit = m ? PARSE_UNITS[m[2].toLowerCase()] : undefined
  if (!m || unit === undefined) return null
  const bytes = Math.round(Number(m[1]) * unit)
  return Number.isSafeInteger(bytes) ? bytes : null
}
