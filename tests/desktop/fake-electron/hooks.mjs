// Module hook: `electron` resolves to the fake next to this file, so the built main process can run
// in plain Node. The real module would try to download the Electron binary.
export async function resolve(specifier, context, next) {
  if (specifier === 'electron' || specifier.startsWith('electron/')) {
    return { url: new URL('./electron.mjs', import.meta.url).href, shortCircuit: true }
  }
  return next(specifier, context)
}
