import os from 'node:os'
import { describe, it, expect } from 'vitest'
import { describeHookFailure, runHook } from '../../main/engine/follow/follow-policy.ts'

describe('follow policy', () => {
  it('runs a hook in a shell with its environment and working directory', async () => {
    const r = await runHook({ command: 'echo "$SHOAL_NEW_VERSION" >&2; exit 0', cwd: os.tmpdir(), env: { SHOAL_NEW_VERSION: '7' } })
    expect(r).toMatchObject({ ok: true, code: 0, timedOut: false, stderr: '7' })
  })

  it('reports a failing hook with its exit code and the last lines of stderr', async () => {
    const r = await runHook({ command: 'for i in $(seq 1 30); do echo "line $i" >&2; done; exit 3', cwd: os.tmpdir(), env: {} })
    expect(r.ok).toBe(false)
    expect(r.code).toBe(3)
    expect(r.stderr.split('\n')).toHaveLength(10)
    expect(r.stderr).toContain('line 30')
    expect(describeHookFailure(r)).toMatch(/^After-update hook failed: exit code 3; stderr: line 21/)
  })

  it('stops a hook that runs too long, and reports a command that cannot start', async () => {
    const slow = await runHook({ command: 'sleep 30', cwd: os.tmpdir(), env: {}, timeoutMs: 200 })
    expect(slow).toMatchObject({ ok: false, timedOut: true })
    expect(slow.durationMs).toBeLessThan(5000)
    expect(describeHookFailure(slow, 200)).toContain('timed out')
    const missing = await runHook({ command: 'true', cwd: '/nonexistent-shoal-dir', env: {} })
    expect(missing.ok).toBe(false)
    expect(describeHookFailure(missing)).toMatch(/could not start|exit code/)
  })
})
