import { ShoalError } from '../../../shared/errors.ts'

/** Parses a bootstrap list ("host:port,host:port"), naming the entry that is wrong. */
export function parseBootstrap(input: string | string[] | undefined): string[] {
  if (input === undefined) return []
  const items = (Array.isArray(input) ? input : input.split(','))
    .map((s) => s.trim())
    .filter(Boolean)
  for (const item of items) {
    const m = /^([^\s:]+):(\d{1,5})$/.exec(item)
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
      throw new ShoalError('BAD_REQUEST', `Bootstrap entry '${item}' is not host:port (for example 10.0.0.5:49737)`)
    }
  }
  return items
}

export function toDhtBootstrap(list: string[]): Array<{ host: string; port: number }> {
  return list.map((item) => {
    const i = item.lastIndexOf(':')
    return { host: item.slice(0, i), port: Number(item.slice(i + 1)) }
  })
}
