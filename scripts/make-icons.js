// Draws Shoal's icons (assets/icon.svg, icon.png and the tray icons) from a few geometric shapes, with
// no image library: shapes are sampled 4x4 per pixel for anti-aliasing and written as PNG with
// node:zlib. Run `node scripts/make-icons.js` after changing a shape or a colour; commit the output.
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'

const out = path.resolve(import.meta.dirname, '..', 'assets')

const TEAL = [15, 118, 110, 255]
const WHITE = [255, 255, 255, 255]
const CLEAR = [0, 0, 0, 0]
/** Tray colours per state: distinct in hue and in lightness, readable on light and dark panels. */
const TRAY = {
  'up-to-date': [22, 163, 74, 255],
  syncing: [37, 99, 235, 255],
  error: [220, 38, 38, 255],
  paused: [217, 119, 6, 255],
  'idle-offline': [120, 128, 140, 255]
}

// A fish in a unit square: an elliptic body, a triangular tail and an eye (cut out).
const fish = (cx, cy, s) => ({ cx, cy, rx: 0.2 * s, ry: 0.12 * s })
const SHOAL = [fish(0.62, 0.3, 0.85), fish(0.44, 0.52, 0.85), fish(0.67, 0.74, 0.8)]
const SINGLE = [fish(0.6, 0.5, 1.9)]

function inEllipse(x, y, cx, cy, rx, ry) {
  return ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1
}
function inTriangle(x, y, [a, b, c]) {
  const side = (p, q) => (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0])
  const d1 = side(a, b), d2 = side(b, c), d3 = side(c, a)
  return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0))
}
const tail = (f) => [[f.cx - f.rx * 0.75, f.cy], [f.cx - f.rx * 1.55, f.cy - f.ry * 0.95], [f.cx - f.rx * 1.55, f.cy + f.ry * 0.95]]
const eye = (f) => ({ x: f.cx + f.rx * 0.5, y: f.cy - f.ry * 0.2, r: f.ry * 0.2 })

function fishAt(fishes, x, y) {
  for (const f of fishes) {
    const e = eye(f)
    if (inEllipse(x, y, e.x, e.y, e.r, e.r)) return 'eye'
    if (inEllipse(x, y, f.cx, f.cy, f.rx, f.ry) || inTriangle(x, y, tail(f))) return 'fish'
  }
  return null
}

/** Rounded square of the app icon (macOS-style margins). */
function inBackground(x, y) {
  const m = 0.06, r = 0.2
  const qx = Math.max(Math.abs(x - 0.5) - (0.5 - m - r), 0)
  const qy = Math.max(Math.abs(y - 0.5) - (0.5 - m - r), 0)
  return qx * qx + qy * qy <= r * r
}

function render(size, colorAt) {
  const N = 4
  const px = Buffer.alloc(size * size * 4)
  for (let py = 0; py < size; py++) {
    for (let pxi = 0; pxi < size; pxi++) {
      const acc = [0, 0, 0, 0]
      for (let sy = 0; sy < N; sy++) {
        for (let sx = 0; sx < N; sx++) {
          const c = colorAt((pxi + (sx + 0.5) / N) / size, (py + (sy + 0.5) / N) / size)
          acc[0] += c[0] * c[3]; acc[1] += c[1] * c[3]; acc[2] += c[2] * c[3]; acc[3] += c[3]
        }
      }
      const i = (py * size + pxi) * 4
      const a = acc[3] / (N * N)
      px[i] = acc[3] ? Math.round(acc[0] / acc[3]) : 0
      px[i + 1] = acc[3] ? Math.round(acc[1] / acc[3]) : 0
      px[i + 2] = acc[3] ? Math.round(acc[2] / acc[3]) : 0
      px[i + 3] = Math.round(a)
    }
  }
  return encodePng(size, px)
}

const CRC = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(buf) {
  let c = 0xffffffff
  for (const b of buf) c = CRC[(c ^ b) & 255] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk(type, data) {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'ascii')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0)
  return Buffer.concat([head, data, crc])
}
function encodePng(size, rgba) {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(size, 0)
  ihdr.writeUInt32BE(size, 4)
  ihdr.set([8, 6, 0, 0, 0], 8) // 8 bits, RGBA, deflate, no filter method, no interlace
  const rows = Buffer.alloc(size * (size * 4 + 1))
  for (let y = 0; y < size; y++) rgba.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4)
  const signature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10])
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(rows, { level: 9 })), chunk('IEND', Buffer.alloc(0))])
}

function svg() {
  const n = (v) => +(v * 512).toFixed(1)
  const shapes = SHOAL.map((f) => {
    const t = tail(f), e = eye(f)
    return [
      `  <path d="M${n(t[0][0])} ${n(t[0][1])} L${n(t[1][0])} ${n(t[1][1])} L${n(t[2][0])} ${n(t[2][1])} Z" fill="#fff"/>`,
      `  <ellipse cx="${n(f.cx)}" cy="${n(f.cy)}" rx="${n(f.rx)}" ry="${n(f.ry)}" fill="#fff"/>`,
      `  <circle cx="${n(e.x)}" cy="${n(e.y)}" r="${n(e.r)}" fill="#0f766e"/>`
    ].join('\n')
  })
  return [
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512" width="512" height="512">',
    '  <title>Shoal</title>',
    `  <rect x="${n(0.06)}" y="${n(0.06)}" width="${n(0.88)}" height="${n(0.88)}" rx="${n(0.2)}" fill="#0f766e"/>`,
    ...shapes,
    '</svg>',
    ''
  ].join('\n')
}

fs.mkdirSync(out, { recursive: true })
fs.writeFileSync(path.join(out, 'icon.svg'), svg())
fs.writeFileSync(
  path.join(out, 'icon.png'),
  render(512, (x, y) => {
    if (!inBackground(x, y)) return CLEAR
    return fishAt(SHOAL, x, y) === 'fish' ? WHITE : TEAL
  })
)
for (const [state, color] of Object.entries(TRAY)) {
  const draw = (x, y) => (fishAt(SINGLE, x, y) === 'fish' ? color : CLEAR)
  fs.writeFileSync(path.join(out, `tray-${state}.png`), render(16, draw))
  fs.writeFileSync(path.join(out, `tray-${state}@2x.png`), render(32, draw))
}
console.log(`icons written to ${out}`)
