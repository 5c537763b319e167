import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'

// The compiled `shoal` command (scripts/build-cli.mjs, issue 10) and bin/shoal.js's choice between
// it and the TypeScript. Everything runs in a scratch copy of the project: bin/ and package.json
// copied, main/, shared/ and node_modules linked, the build written to its out/cli. The real out/cli
// is left alone (other tests run bin/shoal.js meanwhile) and no source file is touched.

const exec = promisify(execFile)
const REPO = fileURLToPath(new URL('../../', import.meta.url))
const VERSION = (JSON.parse(await fs.readFile(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version

let scratch: string
let outDir: string

beforeAll(async () => {
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-cli-build-'))
  for (const dir of ['main', 'shared', 'node_modules']) await fs.symlink(path.join(REPO, dir), path.join(scratch, dir), 'dir')
  await fs.copyFile(path.join(REPO, 'package.json'), path.join(scratch, 'package.json'))
  await fs.mkdir(path.join(scratch, 'bin'))
  await fs.copyFile(path.join(REPO, 'bin', 'shoal.js'), path.join(scratch, 'bin', 'shoal.js'))
  outDir = path.join(scratch, 'out', 'cli')
  await exec(process.execPath, [path.join(REPO, 'scripts', 'build-cli.mjs'), '--outdir', outDir, '--quiet'], { cwd: REPO })
})

afterAll(async () => {
  if (scratch) await fs.rm(scratch, { recursive: true, force: true })
})

/** Runs node on `script` with `args`; also reports which of Shoal's entry points V8 ran. */
async function run(script: string, args: string[]) {
  const coverage = await fs.mkdtemp(path.join(scratch, 'v8-'))
  const env = { ...process.env, NODE_V8_COVERAGE: coverage, SHOAL_DATA: path.join(scratch, 'data'), SHOAL_BOOTSTRAP: '', SHOAL_BIND: '' }
  const { stdout, stderr } = await exec(process.execPath, [script, ...args], { env, cwd: scratch })
  const urls = new Set<string>()
  for (const file of await fs.readdir(coverage)) {
    const { result } = JSON.parse(await fs.readFile(path.join(coverage, file), 'utf8')) as { result: { url: string }[] }
    for (const { url } of result) urls.add(url)
  }
  await fs.rm(coverage, { recursive: true, force: true })
  return {
    stdout,
    stderr,
    compiled: urls.has(pathToFileURL(path.join(outDir, 'shoal.mjs')).href),
    typescript: [...urls].some((u) => u.endsWith('/main/daemon/cli.ts'))
  }
}

async function setStamp(edit: (inputs: Record<string, number>) => void) {
  const file = path.join(outDir, 'stamp.json')
  const stamp = JSON.parse(await fs.readFile(file, 'utf8')) as { inputs: Record<string, number> }
  edit(stamp.inputs)
  await fs.writeFile(file, JSON.stringify(stamp))
}

describe('the compiled CLI', () => {
  it('records the sources it was built from', async () => {
    const { inputs } = JSON.parse(await fs.readFile(path.join(outDir, 'stamp.json'), 'utf8')) as { inputs: Record<string, number> }
    expect(Object.keys(inputs)).toEqual(expect.arrayContaining(['main/daemon/cli.ts', 'main/daemon/run-cli.ts', 'main/engine/engine.ts', 'shared/errors.ts']))
    expect(Object.keys(inputs).some((p) => p.includes('node_modules'))).toBe(false)
  })

  it('runs --version and --help by itself, without the TypeScript', async () => {
    const entry = path.join(outDir, 'shoal.mjs')
    const version = await run(entry, ['--version'])
    expect(version.stdout).toBe(VERSION + '\n')
    expect(version.typescript).toBe(false)
    const help = await run(entry, ['--help'])
    expect(help.stdout).toMatch(/^Usage: shoal <command>/)
    expect(help.stdout).toContain('  status ')
    const statusHelp = await run(entry, ['status', '--help'])
    expect(statusHelp.stdout).toMatch(/^Usage: shoal status/)
  })

  it('bin/shoal.js runs it while it is current, and the TypeScript once a source has changed', async () => {
    const bin = path.join(scratch, 'bin', 'shoal.js')
    const fresh = await run(bin, ['--version'])
    expect(fresh).toMatchObject({ stdout: VERSION + '\n', stderr: '', compiled: true, typescript: false })

    const freshHelp = await run(bin, ['--help'])
    expect(freshHelp.compiled).toBe(true)

    // As if main/daemon/args.ts had been saved after the build.
    await setStamp((inputs) => void (inputs['main/daemon/args.ts'] -= 1000))
    const stale = await run(bin, ['--version'])
    expect(stale).toMatchObject({ stdout: VERSION + '\n', stderr: '', compiled: false, typescript: true })
    // Same help text either way.
    expect((await run(bin, ['--help'])).stdout).toBe(freshHelp.stdout)

    // A source file that is gone, or no stamp at all: the TypeScript too.
    await setStamp((inputs) => void (inputs['main/daemon/gone.ts'] = 1))
    expect((await run(bin, ['--version'])).typescript).toBe(true)
    await fs.rm(path.join(outDir, 'stamp.json'))
    expect((await run(bin, ['--version'])).typescript).toBe(true)
  })
})
