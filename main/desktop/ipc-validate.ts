import { isAppUrl } from './security.ts'
import { validateRequest } from '../../shared/validate.ts'
import { ShoalError, toShoalError } from '../../shared/errors.ts'
import type { MethodName, Params, ShoalApi } from '../../shared/api.ts'

// The IPC transport's gate: every `shoal:request` from a renderer passes through here before it
// reaches the engine. Same contract as the WebSocket transport: `{ result }` or `{ error }`, never a
// thrown exception (an exception would reach the renderer as an opaque "Error invoking remote method").

export type IpcReply = { result: unknown } | { error: { code: string; message: string } }

/**
 * True only for our own UI in the window's main frame: an iframe, or a page that somehow navigated
 * elsewhere, must not drive the engine.
 */
export function checkIpcSender(frameUrl: unknown, isMainFrame = true): boolean {
  return isMainFrame === true && isAppUrl(frameUrl)
}

function errorReply(err: unknown): IpcReply {
  const e = toShoalError(err)
  return { error: { code: e.code, message: e.message } }
}

export async function handleIpcRequest(api: ShoalApi, senderUrl: unknown, method: unknown, params: unknown, isMainFrame = true): Promise<IpcReply> {
  try {
    if (!checkIpcSender(senderUrl, isMainFrame)) {
      return errorReply(new ShoalError('UNAUTHORIZED', 'Requests are accepted only from the Shoal window'))
    }
    // Validated here as well as in the engine: a bad payload is refused before anything else runs,
    // and the engine receives the parsed params (defaults filled in, unknown keys dropped).
    const request = validateRequest(method, params)
    const result = await api.call(request.method, request.params as Params<MethodName>)
    return { result }
  } catch (err) {
    return errorReply(err)
  }
}
