import QRCode from 'qrcode'

// The QR code as an SVG data: URL for an <img>: no canvas (works in every window and in tests) and
// no inline markup (the daemon's CSP allows data: images). Dark on white whatever the theme,
// because phone cameras read that best.
export async function qrDataUrl(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', margin: 2, errorCorrectionLevel: 'M', color: { dark: '#101418', light: '#ffffff' } })
  return 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svg)
}
