/* global Request */
// Runs the BUILT main process (MAIN_BUNDLE) against the fake electron module and a loopback DHT, and
// plays the OS and the renderer: the window's settings, the app:// protocol, navigation, IPC, the
// tray, deep links and quitting. Started by main-process.test.ts with `node --import ./register.mjs`.
// Exits 0 after printing "MAIN PROCESS OK", or non-zero with the failed assertion.
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import net from 'node:net'
import assert from 'node:assert/strict'
import createTestnet from 'hyperdht/testnet.js'

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-main-'))
const testnet = await createTestnet(3, { host: '127.0.0.1' })
const dataDir = path.join(tmp, 'data')
await fs.mkdir(dataDir, { recursive: true })
const bootstrap = testnet.bootstrap.map((b) => `${b.host}:${b.port}`)
// A free port for the app's web UI, stored like the Settings page would: never the default one,
// which a Shoal of the user's own may be using.
const uiPort = await new Promise((resolve) => {
  const probe = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address()
    probe.close(() => resolve(port))
  })
})
await fs.writeFile(path.join(dataDir, 'config.json'), JSON.stringify({ bootstrap, bind: '127.0.0.1', uiPort }))
process.env.SHOAL_DATA = dataDir

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
async function until(what, check, ms = 15_000) {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await check()) return
    await sleep(50)
  }
  throw new Error(`timed out waiting for ${what}`)
}
const step = (name) => console.log(`ok - ${name}`)

try {
  await import(process.env.MAIN_BUNDLE)
  const fake = globalThis.__fakeElectron // set by fake-electron/electron.mjs (importing 'electron' here would trip the layer rule)
  const app = fake.app
  await until('the window', () => fake.windows.length === 1)
  const win = fake.windows[0]

  const prefs = win.options.webPreferences
  assert.deepEqual([prefs.contextIsolation, prefs.sandbox, prefs.nodeIntegration, prefs.webSecurity], [true, true, false, true])
  await fs.access(prefs.preload) // the built preload is where main looks for it
  assert.ok(prefs.preload.endsWith('.cjs'))
  assert.equal(win.url, 'app://shoal/index.html')
  const schemes = fake.log.find(([name]) => name === 'registerSchemesAsPrivileged')[1]
  assert.deepEqual(schemes, [{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }])
  assert.ok(fake.log.some(([name, scheme]) => name === 'setAsDefaultProtocolClient' && scheme === 'shoal'))
  step('window and scheme')

  const daemonFile = path.join(dataDir, 'daemon.json')
  await until('the API server', async () => (await fs.readFile(daemonFile, 'utf8').catch(() => null)) !== null)
  assert.equal(JSON.parse(await fs.readFile(daemonFile, 'utf8')).port, uiPort)
  step('API server and web UI at the stored port')

  const serve = fake.protocolHandlers.get('app')
  let res = await serve(new Request('app://shoal/index.html'))
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-type'), /^text\/html/)
  assert.match(res.headers.get('content-security-policy'), /script-src 'self'/)
  assert.match(await res.text(), /<script type="module"/)
  for (const bad of ['app://shoal/..%2f..%2fpackage.json', 'app://shoal/%2e%2e%2fpackage.json', 'app://shoal/assets/missing.js']) {
    res = await serve(new Request(bad))
    assert.equal(res.status, 404, bad)
  }
  step('app:// protocol')

  let granted
  fake.permissionRequest(win.webContents, 'media', (g) => (granted = g), { requestingUrl: 'app://shoal/index.html', isMainFrame: true })
  assert.equal(granted, false)
  assert.equal(fake.permissionCheck(win.webContents, 'clipboard-sanitized-write', 'app://shoal', {}), true)
  const navigate = (url) => {
    const event = { url, isMainFrame: true, prevented: false, preventDefault: () => (event.prevented = true) }
    win.webContents.emit('will-frame-navigate', event)
    return event.prevented
  }
  assert.equal(navigate('app://shoal/other'), false)
  assert.equal(navigate('https://github.com/x'), true)
  assert.deepEqual(fake.log.at(-1), ['openExternal', 'https://github.com/x'])
  assert.equal(navigate('https://evil.example/'), true)
  assert.notDeepEqual(fake.log.at(-1), ['openExternal', 'https://evil.example/'])
  assert.deepEqual(win.webContents.windowOpenHandler({ url: 'https://docs.holepunch.to/' }), { action: 'deny' })
  step('navigation and permissions')

  const request = fake.ipcHandlers.get('shoal:request')
  const pick = fake.ipcHandlers.get('shoal:pick-folder')
  const ours = { senderFrame: { url: 'app://shoal/index.html', parent: null }, sender: win.webContents }
  const status = await request(ours, 'status', {})
  assert.ok(status.result, JSON.stringify(status))
  assert.deepEqual(status.result.folders, [])
  for (const sender of [
    { ...ours, senderFrame: { url: 'https://evil.example/', parent: null } },
    { ...ours, senderFrame: { url: 'app://shoal/index.html', parent: {} } },
    { ...ours, sender: {} }
  ]) {
    assert.equal((await request(sender, 'status', {})).error.code, 'UNAUTHORIZED')
  }
  assert.equal((await request(ours, 'nope', {})).error.code, 'UNKNOWN_METHOD')
  assert.match((await request(ours, 'folders.share', {})).error.message, /path/)
  assert.equal(await pick(ours), '/picked/folder')
  assert.equal(await pick({ ...ours, senderFrame: { url: 'https://evil.example/', parent: null } }), null)
  step('IPC gate')

  const shared = path.join(tmp, 'Stuff')
  await fs.mkdir(shared)
  await fs.writeFile(path.join(shared, 'a.txt'), 'hello')
  const share = await request(ours, 'folders.share', { path: shared })
  assert.equal(share.result.name, 'Stuff')
  await until('engine events in the window', () => win.webContents.sent.some(([ch, e]) => ch === 'shoal:event' && e.type === 'folder-added'))
  const tray = fake.trays[0]
  await until('the tray to say up to date', () => tray.tooltip === 'Shoal — 1 folder up to date')
  assert.ok(tray.images.at(-1).path.endsWith(path.join('assets', 'tray-up-to-date.png')))
  await request(ours, 'settings.set', { startAtLogin: true })
  assert.ok(!fake.log.some(([name]) => name === 'setLoginItemSettings'), 'not packaged: no login item')
  step('events, tray')

  tray.menu.items.find((item) => item.label === 'Pause all').click()
  await until('the tray to say paused', () => tray.tooltip === 'Shoal — 1 folder paused')
  assert.ok(tray.menu.items.some((item) => item.label === 'Resume all'))
  step('pause all from the tray')

  // The folder vanishes while paused; resuming finds it gone: an error in the tray and a notification.
  await fs.rm(shared, { recursive: true, force: true })
  tray.menu.items.find((item) => item.label === 'Resume all').click()
  await until('an error notification', () => fake.notifications.some((n) => n.title === 'Shoal: error in Stuff'))
  await until('the tray to show the error', () => tray.tooltip?.startsWith('Shoal — error in Stuff: '))
  assert.ok(tray.images.at(-1).path.endsWith('tray-error.png'))
  step('errors reach the tray and notifications')

  const link = 'shoal://ybndrfg8ejkmcpqxot1uwisza345h769ybndrfg8ejkmcpqxot1u'
  win.hide()
  app.emit('second-instance', {}, ['/opt/Shoal/shoal', '--some-switch', link], '/')
  await until('the link in the window', () => win.webContents.sent.some(([ch, v]) => ch === 'shoal:open-link' && v === link))
  assert.equal(win.visible, true)
  app.emit('open-url', { preventDefault() {} }, 'shoal://cut-off')
  await until('a warning about the bad link', () => fake.log.some(([name]) => name === 'showMessageBox'))
  step('deep links')

  const closing = { prevented: false, preventDefault: () => (closing.prevented = true) }
  win.emit('close', closing)
  assert.equal(closing.prevented, true) // closing the window keeps syncing in the tray
  app.quit()
  await until('quit to finish', () => fake.log.some(([name]) => name === 'quit done'), 20_000)
  assert.equal(tray.destroyed, true)
  assert.equal(await fs.readFile(path.join(dataDir, 'daemon.json'), 'utf8').catch(() => null), null) // API server closed
  step('quit')
  console.log('MAIN PROCESS OK')
} finally {
  await testnet.destroy()
  await fs.rm(tmp, { recursive: true, force: true })
}
process.exit(0)
