// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'
import { formatBytes, formatCount, formatDuration, formatRate, percent, shortId, timeAgo, timeLeft } from '../../renderer/src/lib/format.ts'
import { breadcrumbs, parentDir, suggestRestorePath } from '../../renderer/src/lib/paths.ts'
import { currentVersions, groupByVersion, restorableVersion } from '../../renderer/src/lib/history.ts'
import { folderStatus, kindLabel } from '../../renderer/src/lib/folder-status.ts'
import { parseBytes } from '../../shared/format-bytes.ts'
import { folder } from './fixtures.ts'

describe('formatting', () => {
  it('bytes in binary units (KiB, MiB, GiB) with at most three digits, as the CLI prints them', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(1023)).toBe('1023 B')
    expect(formatBytes(1024)).toBe('1 KiB')
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatBytes(15_300)).toBe('15 KiB')
    expect(formatBytes(2 ** 20 - 1)).toBe('1 MiB')
    // The size the issue names: 286 MiB is not "300 MB" anywhere.
    expect(formatBytes(286 * 2 ** 20)).toBe('286 MiB')
    expect(formatBytes(4.5 * 2 ** 30)).toBe('4.5 GiB')
    expect(formatBytes(-1)).toBe('–')
    expect(formatBytes(NaN)).toBe('–')
  })

  it('sizes typed by people: decimal (10GB) and binary (10GiB) units both mean what they say', () => {
    expect(parseBytes('10GB')).toBe(10_000_000_000)
    expect(parseBytes('10GiB')).toBe(10 * 2 ** 30)
    expect(parseBytes('500 MB')).toBe(500_000_000)
    expect(parseBytes('1.5g')).toBe(1_500_000_000)
    expect(parseBytes('0')).toBe(0)
    expect(parseBytes('lots')).toBeNull()
    expect(parseBytes('10 GBs')).toBeNull()
  })

  it('rates and counts', () => {
    expect(formatRate(0)).toBe('0 B/s')
    expect(formatRate(2.5 * 2 ** 20)).toBe('2.5 MiB/s')
    expect(formatCount(1234567)).toBe('1,234,567')
    expect(percent(1, 3)).toBe(33)
    expect(percent(5, 0)).toBe(0)
    expect(percent(7, 5)).toBe(100)
  })

  it('durations and time left', () => {
    expect(formatDuration(0.2)).toBe('1 s')
    expect(formatDuration(45)).toBe('45 s')
    expect(formatDuration(150)).toBe('3 min')
    expect(formatDuration(3900)).toBe('1 h 5 min')
    expect(formatDuration(7200)).toBe('2 h')
    expect(formatDuration(86400 * 2 + 3600 * 4)).toBe('2 d 4 h')
    expect(timeLeft(1_000_000, 0)).toBeNull()
    expect(timeLeft(0, 100)).toBeNull()
    expect(timeLeft(1_000_000, 100_000)).toBe('10 s')
  })

  it('time ago', () => {
    const now = Date.UTC(2025, 5, 15, 12)
    expect(timeAgo(now - 3000, now)).toBe('just now')
    expect(timeAgo(now - 42_000, now)).toBe('42 s ago')
    expect(timeAgo(now - 120_000, now)).toBe('2 min ago')
    expect(timeAgo(now - 3 * 3600_000, now)).toBe('3 h ago')
    expect(timeAgo(now - 30 * 3600_000, now)).toBe('yesterday')
    expect(timeAgo(now - 5 * 86400_000, now)).toBe('5 days ago')
    expect(timeAgo(now - 90 * 86400_000, now)).toMatch(/2025/)
    expect(shortId('abcdef0123456789')).toBe('abcdef01')
  })
})

describe('paths and history helpers', () => {
  it('breadcrumbs and parents', () => {
    expect(breadcrumbs('/', 'Photos')).toEqual([{ name: 'Photos', dir: '/' }])
    expect(breadcrumbs('/a/b', 'Photos').map((c) => c.dir)).toEqual(['/', '/a', '/a/b'])
    expect(parentDir('/a/b')).toBe('/a')
    expect(parentDir('/a')).toBe('/')
  })

  it('suggests a restore path next to the file with the version in its name', () => {
    expect(suggestRestorePath('/home/ana/Photos', '/report.pdf', 3)).toBe('/home/ana/Photos/report.v3.pdf')
    expect(suggestRestorePath('/home/ana/Photos/', '/a/b/archive.tar.gz', 4)).toBe('/home/ana/Photos/a/b/archive.tar.v4.gz')
    expect(suggestRestorePath('/srv', '/.env', 2)).toBe('/srv/.env.v2')
    expect(suggestRestorePath('/srv', '/Makefile', 2)).toBe('/srv/Makefile.v2')
    expect(suggestRestorePath('C:\\Users\\ana\\Docs', '/x/y.txt', 5)).toBe('C:\\Users\\ana\\Docs\\x\\y.v5.txt')
  })

  it('groups changes by version and finds what a deleted file can come back from', () => {
    const log = [
      { version: 2, action: 'added' as const, path: '/a' },
      { version: 4, action: 'deleted' as const, path: '/a' },
      { version: 4, action: 'added' as const, path: '/b' },
      { version: 3, action: 'changed' as const, path: '/a' }
    ]
    expect(groupByVersion(log).map((g) => [g.version, g.changes.length])).toEqual([[4, 2], [3, 1], [2, 1]])
    expect(restorableVersion(log[1], log)).toBe(3)
    expect(restorableVersion(log[2], log)).toBe(4)
    expect(restorableVersion({ version: 9, action: 'deleted', path: '/gone' }, log)).toBeNull()
    // /a's newest change deleted it: nothing current; /b as added in 4 is what the folder holds.
    expect([...currentVersions(log)]).toEqual([['/b', 4]])
  })

  it('names states and kinds in the user\'s words', () => {
    expect(folderStatus(folder({ state: 'idle' })).label).toBe('Up to date')
    expect(folderStatus(folder({ state: 'waiting' })).label).toBe('Waiting for peers')
    expect(folderStatus(folder({ state: 'syncing', paused: true })).label).toBe('Paused')
    expect(folderStatus(folder({ state: 'error', error: 'boom' }))).toMatchObject({ label: 'Error', detail: 'boom', tone: 'error' })
    expect(kindLabel('publish').label).toBe('Shared')
    expect(kindLabel('follow').label).toBe('Joined')
    expect(kindLabel('two-way').label).toBe('Two-way')
    expect(kindLabel('seed').label).toBe('Seeded')
  })
})
