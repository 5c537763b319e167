import type { IncomingMessage, ServerResponse } from 'node:http'
import { ShoalError, toShoalError, type ErrorCode } from '../../shared/errors.ts'

// Small helpers for the JSON API: bounded body reading, replies, and which HTTP status an error code gets.

export const MAX_BODY_BYTES = 1024 * 1024

const STATUS: Partial<Record<ErrorCode, number>> = {
  BAD_REQUEST: 400,
  BAD_LINK: 400,
  BAD_PATH: 400,
  FOLDER_MISSING: 400,
  UNKNOWN_METHOD: 404,
  FOLDER_NOT_FOUND: 404,
  VERSION_NOT_FOUND: 404,
  FILE_NOT_FOUND: 404,
  FOLDER_EXISTS: 409,
  FOLDER_NOT_EMPTY: 409,
  NOT_WRITABLE: 409,
  DATA_DIR_LOCKED: 409,
  UNAUTHORIZED: 401,
  TIMEOUT: 504
}

export function statusOf(code: ErrorCode): number {
  return STATUS[code] ?? 500
}

const COMMON_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff'
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { ...COMMON_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) })
  res.end(text)
}

export function sendError(res: ServerResponse, err: unknown, status?: number): void {
  const e = toShoalError(err)
  sendJson(res, status ?? statusOf(e.code), { error: e.toJSON() })
}

export function sendText(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...COMMON_HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...extra })
  res.end(body)
}

/** Reads a JSON request body of at most MAX_BODY_BYTES; an empty body means no params. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > MAX_BODY_BYTES) throw tooLarge()
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) throw tooLarge()
    chunks.push(chunk)
  }
  const text = Buffer.concat(chunks).toString('utf8').trim()
  if (text === '') return {}
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new ShoalError('BAD_REQUEST', `The request body is not valid JSON: ${(err as Error).message}`)
  }
}

/** Still a BAD_REQUEST for clients, but answered with 413 and a closed connection (the rest is not read). */
export class BodyTooLargeError extends ShoalError {
  constructor() {
    super('BAD_REQUEST', `The request body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB`)
  }
}

function tooLarge(): ShoalError {
  return new BodyTooLargeError()
}
