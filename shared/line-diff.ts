// A line diff of two small texts (a conflict's original and one copy), by longest common
// subsequence: lines only in `a` are 'del', only in `b` are 'add'. Texts too long to compare
// quickly give null (the UI then shows sizes only).

export interface DiffLine {
  kind: 'same' | 'del' | 'add'
  text: string
}

/** Above this many line pairs the table would cost too much memory for a glance. */
const MAX_CELLS = 2_000_000

function lines(text: string): string[] {
  const out = text.split('\n')
  if (out.length > 1 && out[out.length - 1] === '') out.pop() // a final newline ends the last line
  return out
}

export function lineDiff(aText: string, bText: string): DiffLine[] | null {
  const a = lines(aText)
  const b = lines(bText)
  // Common head and tail need no table.
  let head = 0
  while (head < a.length && head < b.length && a[head] === b[head]) head++
  let tail = 0
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++
  const am = a.slice(head, a.length - tail)
  const bm = b.slice(head, b.length - tail)
  if ((am.length + 1) * (bm.length + 1) > MAX_CELLS) return null
  // lcs[i][j]: length of the common subsequence of am[i..] and bm[j..].
  const w = bm.length + 1
  const lcs = new Uint32Array((am.length + 1) * w)
  for (let i = am.length - 1; i >= 0; i--) {
    for (let j = bm.length - 1; j >= 0; j--) {
      lcs[i * w + j] = am[i] === bm[j] ? lcs[(i + 1) * w + j + 1] + 1 : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1])
    }
  }
  const out: DiffLine[] = a.slice(0, head).map((text) => ({ kind: 'same', text }))
  let i = 0
  let j = 0
  while (i < am.length || j < bm.length) {
    if (i < am.length && j < bm.length && am[i] === bm[j]) {
      out.push({ kind: 'same', text: am[i] })
      i++
      j++
    } else if (j < bm.length && (i === am.length || lcs[i * w + j + 1] >= lcs[(i + 1) * w + j])) out.push({ kind: 'add', text: bm[j++] })
    else out.push({ kind: 'del', text: am[i++] })
  }
  for (const text of a.slice(a.length - tail)) out.push({ kind: 'same', text })
  return out
}
