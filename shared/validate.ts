import { methods, isMethodName, type MethodName, type Params } from './api.ts'
import { ShoalError } from './errors.ts'

/** Checks a request from any transport; throws BAD_REQUEST / UNKNOWN_METHOD naming the problem. */
export function validateRequest(method: unknown, params: unknown): { method: MethodName; params: Params<MethodName> } {
  if (!isMethodName(method)) {
    throw new ShoalError('UNKNOWN_METHOD', `Unknown method ${JSON.stringify(method)}`)
  }
  const parsed = methods[method].params.safeParse(params ?? {})
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue.path.length ? issue.path.join('.') + ': ' : ''
    throw new ShoalError('BAD_REQUEST', `Invalid ${method} request: ${where}${issue.message}`)
  }
  return { method, params: parsed.data as Params<MethodName> }
}
