// Holepunch's safety-catch, as one rule for the whole app: a failure we expect (a file gone, a peer
// that left, a core already closed) may be let go where nothing is lost by it, but an error that
// means a bug in our own code (a TypeError, a failed assertion...) is never swallowed.
// Every `.catch(letGo)` still says on its line why letting go is right there.

/** Errors raised by broken code rather than by the world it runs in. */
export function isProgrammerError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false
  return (
    err instanceof TypeError ||
    err instanceof SyntaxError ||
    err instanceof ReferenceError ||
    err instanceof EvalError ||
    err instanceof RangeError ||
    err instanceof URIError ||
    (err as { code?: unknown }).code === 'ERR_ASSERTION' ||
    (err as { name?: unknown }).name === 'AssertionError'
  )
}

/** For `.catch(letGo)` and `catch (err) { letGo(err) }`: let an expected failure go, throw a programmer error on. */
export function letGo(err: unknown): undefined {
  if (isProgrammerError(err)) throw err
  return undefined
}

/** For `.catch(orNull)`: null for an expected failure (a stat of a path that is gone...), a programmer error thrown on. */
export function orNull(err: unknown): null {
  letGo(err)
  return null
}

/** For `.catch(orEmpty)`: nothing listed for an expected failure (a folder that is gone...), a programmer error thrown on. */
export function orEmpty(err: unknown): never[] {
  letGo(err)
  return []
}
