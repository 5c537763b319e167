import { isAppUrl } from './security.ts'
import { validateRequest } from '../../shared/validate.ts'
import { ShoalError, toShoalError } from '../../shared/errors.ts'
import type { MethodName, Params, ShoalApi } from '../../shared/api.ts'
import type { BridgeReply } from '../../shared/bridge.ts'

// The IPC transport's gate: every `shoal:request` from a renderer passes through here before it
// reaches the engine, and is answered with the shared BridgeReply (`{ result }` or `{ error }`).

/**
 * True only for our own UI in the window's main frame: an iframe, or a page that somehow navigated
 * elsewhere, must not drive the engine.
 */
export function checkIpcSender(frameUrl: unknown, isMainFrame = true): boolean {
  return isMainFrame === true && isAppUrl(frameUrl)
}

function errorReply(err: unknown): BridgeReply {
  const e = toShoalError(err)
  return { error: { code: e.code, message: e.message } }
}

export async function handleIpcRequest(api: ShoalApi, senderUrl: unknown, method: unknown, params: unknown, isMainFrame = true): Promise<BridgeReply> {
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
