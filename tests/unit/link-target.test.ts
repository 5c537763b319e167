import { describe, it, expect } from 'vitest'
import { linkTargetProblem } from '../../main/engine/fs/link-target.ts'

// The rule that keeps every link inside the folder whatever other links exist (link-target.ts).
describe('which link targets Shoal creates', () => {
  const ok: Array<[string, string]> = [
    ['a', 'b'],
    ['d/a', '../b'],
    ['d/e/a', '../../b/c'],
    ['d/a', '..'],
    ['a', './b'],
    ['a', 'b/'],
    ['a', 'loop']
  ]
  for (const [at, target] of ok) it(`accepts ${at} -> ${target}`, () => expect(linkTargetProblem(at, target)).toBeNull())

  const refused: Array<[string, string, RegExp]> = [
    ['a', '..', /outside the folder/],
    ['d/a', '../..', /outside the folder/],
    ['a', 'sub/l/..', /after a name/],
    ['d/a', '../x/../..', /after a name/],
    ['a', './..', /outside the folder/],
    ['a', '/etc/passwd', /absolute/],
    ['a', 'C:\\Windows', /absolute/],
    ['a', 'b\\c', /backslash/],
    ['a', 'x\u001b[2J', /control character/],
    ['a', '', /empty/]
  ]
  for (const [at, target, why] of refused) it(`refuses ${at} -> ${JSON.stringify(target)}`, () => expect(linkTargetProblem(at, target)).toMatch(why))
})
