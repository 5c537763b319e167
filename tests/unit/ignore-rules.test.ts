import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { IgnoreRules } from '../../main/engine/fs/ignore-rules.ts'

describe('IgnoreRules defaults', () => {
  const rules = IgnoreRules.parse('')
  const junk = [
    '/.DS_Store',
    '/Thumbs.db',
    '/desktop.ini',
    '/notes.txt.swp',
    '/notes.txt.swo',
    '/notes.txt~',
    '/~$report.docx',
    '/.#notes.txt',
    '/movie.mkv.crdownload',
    '/movie.mkv.part',
    '/movie.mkv.partial',
    '/movie.mkv.download',
    '/.~shoal-0123abcd.tmp',
    '/.Spotlight-V100',
    '/.fseventsd'
  ]

  it('ignores each junk name, at the root and nested', () => {
    for (const p of junk) {
      expect(rules.ignores(p, false), p).toBe(true)
      expect(rules.ignores('/deep/er' + p, false), 'nested ' + p).toBe(true)
    }
  })

  it('ignores trash folders and everything inside them', () => {
    expect(rules.ignores('/.Trash-1000', true)).toBe(true)
    expect(rules.ignores('/.Trash-1000/files/a.txt', false)).toBe(true)
  })

  it('keeps normal files and folders, and never ignores .shoalignore or the root', () => {
    for (const p of ['/a.txt', '/docs/report.docx', '/partial.txt', '/download/x.bin', '/photo.jpg', '/.hidden', '/.shoalignore']) {
      expect(rules.ignores(p, false), p).toBe(false)
    }
    expect(rules.ignores('/docs', true)).toBe(false)
    expect(rules.ignores('/', true)).toBe(false)
    expect(rules.patterns).toEqual([])
  })
})

describe('IgnoreRules from .shoalignore', () => {
  const text = ['# build output', '*.log', '!keep.log', 'build/', '/out', 'docs/**/*.tmp', '', '!*.part', '.shoalignore', '.~shoal-*', '!.~shoal-*'].join('\n')
  const rules = IgnoreRules.parse(text)

  it('lists user patterns without comments or blank lines', () => {
    expect(rules.patterns).toEqual(['*.log', '!keep.log', 'build/', '/out', 'docs/**/*.tmp', '!*.part', '.shoalignore', '.~shoal-*', '!.~shoal-*'])
  })

  it('applies globs and negation at any depth', () => {
    expect(rules.ignores('/a.log', false)).toBe(true)
    expect(rules.ignores('/x/y/a.log', false)).toBe(true)
    expect(rules.ignores('/keep.log', false)).toBe(false)
    expect(rules.ignores('/x/keep.log', false)).toBe(false)
    expect(rules.ignores('/docs/a/b/c.tmp', false)).toBe(true)
    expect(rules.ignores('/docs/c.tmp', false)).toBe(true)
    expect(rules.ignores('/other/c.tmp', false)).toBe(false)
  })

  it('matches directory patterns only against folders, and their contents', () => {
    expect(rules.ignores('/build', true)).toBe(true)
    expect(rules.ignores('/build', false)).toBe(false)
    expect(rules.ignores('/src/build', true)).toBe(true)
    expect(rules.ignores('/build/app.js', false)).toBe(true)
    expect(rules.ignores('/src/build/deep/app.js', false)).toBe(true)
  })

  it('anchors /out to the root', () => {
    expect(rules.ignores('/out', true)).toBe(true)
    expect(rules.ignores('/out/a.txt', false)).toBe(true)
    expect(rules.ignores('/src/out', true)).toBe(false)
    expect(rules.ignores('/src/out/a.txt', false)).toBe(false)
  })

  it('lets user negation re-include a default, but never our temp files or the rules file', () => {
    expect(rules.ignores('/video.part', false)).toBe(false)
    expect(rules.ignores('/.~shoal-ff.tmp', false)).toBe(true)
    expect(rules.ignores('/.shoalignore', false)).toBe(false)
    // only the root file is special
    expect(rules.ignores('/sub/.shoalignore', false)).toBe(true)
  })

  it('is case-sensitive for user patterns', () => {
    expect(rules.ignores('/A.LOG', false)).toBe(false)
  })
})

describe('IgnoreRules over many paths', () => {
  it('gives the same answers all along while it renews its matchers (their caches grow with every path asked)', () => {
    const rules = IgnoreRules.parse('build/\n*.log\n!keep.log\nsecret/**')
    const answers = () => [rules.ignores('/build', true), rules.ignores('/a/x.log', false), rules.ignores('/a/keep.log', false), rules.ignores('/secret/a/b', false), rules.ignores('/a/.DS_Store', false), rules.ignores('/a/b.txt', false)]
    const expected = [true, true, false, true, true, false]
    for (let i = 0; i < 30_000; i++) {
      expect(rules.ignores(`/d${i % 100}/f${i}.txt`, false)).toBe(false)
      if (i % 9_999 === 0) expect(answers()).toEqual(expected)
    }
    expect(answers()).toEqual(expected)
  })
})

describe('IgnoreRules.load', () => {
  let dir: string
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-test-'))
  })
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true })
  })

  it('reads .shoalignore from the folder root', async () => {
    await fs.writeFile(path.join(dir, '.shoalignore'), 'secret/\r\n*.bak\r\n')
    const rules = await IgnoreRules.load(dir)
    expect(rules.patterns).toEqual(['secret/', '*.bak'])
    expect(rules.ignores('/secret', true)).toBe(true)
    expect(rules.ignores('/x/y.bak', false)).toBe(true)
    expect(rules.ignores('/x/y.txt', false)).toBe(false)
  })

  it('uses only the defaults when there is no .shoalignore', async () => {
    const rules = await IgnoreRules.load(dir)
    expect(rules.patterns).toEqual([])
    expect(rules.ignores('/.DS_Store', false)).toBe(true)
  })
})
