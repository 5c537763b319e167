import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { checkEmptyOrMerge, checkFolderTarget, installDirs, specialFilesystem, targetProblem, type TargetFacts, type TargetUse } from '../../main/engine/fs/folder-target.ts'

// Where a folder may live (folder-target.ts). The rules per platform are checked on paths; the
// part that touches the disk (links resolved, files in the way) on real temp folders.

const LINUX: TargetFacts = { platform: 'linux', dataDir: '/home/ana/.local/share/shoal', installDirs: ['/opt/shoal-app'], home: '/home/ana' }
const MAC: TargetFacts = { platform: 'darwin', dataDir: '/Users/ana/Library/Application Support/Shoal', installDirs: ['/Applications/Shoal.app'], home: '/Users/ana' }
const WIN: TargetFacts = { platform: 'win32', dataDir: 'C:\\Users\\ana\\AppData\\Roaming\\Shoal', installDirs: ['C:\\Users\\ana\\AppData\\Local\\Programs\\Shoal'], home: 'C:\\Users\\ana' }
const WIN_ENV = { SystemDrive: 'C:', SystemRoot: 'C:\\Windows', ProgramFiles: 'C:\\Program Files', 'ProgramFiles(x86)': 'C:\\Program Files (x86)', ProgramData: 'C:\\ProgramData' }

const problem = (facts: TargetFacts, p: string, use: TargetUse = 'join') => targetProblem(p, use, facts, facts.platform === 'win32' ? { env: WIN_ENV } : {})

describe('target rules for folders other devices write (join, sync)', () => {
  // [path, what the refusal must say]
  const refusedLinux: Array<[string, RegExp]> = [
    ['/', /root of the filesystem/],
    ['/usr', /\/usr is a system folder/],
    ['/usr/local/app', /\/usr is a system folder/],
    ['/etc/systemd/system', /\/etc is a system folder/],
    ['/proc/x', /\/proc is a system folder/],
    ['/sys/x', /\/sys is a system folder/],
    ['/dev/shm/x', /\/dev is a system folder/],
    ['/boot', /\/boot is a system folder/],
    ['/lib64/x', /\/lib64 is a system folder/],
    ['/run/user', /\/run is a system folder/],
    ['/home', /top-level system folder.*\/home\/new-folder/],
    ['/opt', /top-level system folder/],
    ['/srv', /top-level system folder/],
    ['/tmp', /top-level system folder/],
    ['/var', /top-level system folder/],
    ['/mnt', /top-level system folder/],
    ['/media', /top-level system folder/],
    ['/home/ana', /home folder.*\.bashrc.*\/home\/ana\/new-folder/],
    ['/home/bob', /home folder/],
    ['/root', /home folder|top-level/],
    ['/home/ana/.local/share/shoal', /data directory.*or inside it/],
    ['/home/ana/.local/share/shoal/folders/x', /data directory/],
    ['/home/ana/.local', /contains Shoal's data directory.*publisher's files could replace Shoal's settings and keys/],
    ['/opt/shoal-app', /folder Shoal runs from/],
    ['/opt/shoal-app/node_modules', /folder Shoal runs from/]
  ]
  for (const [p, why] of refusedLinux) {
    it(`Linux: refuses ${p}`, () => {
      const got = problem(LINUX, p)
      expect(got).toMatch(new RegExp(`^Cannot join into ${p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `))
      expect(got).toMatch(why)
    })
  }

  it('Linux: allows folders inside the top-level ones and inside a home folder', () => {
    for (const p of ['/opt/app', '/srv/release', '/tmp/shoal-x/dst', '/home/ana/Photos', '/home/bob/shared/x', '/var/lib/app', '/mnt/usb/backup', '/media/ana/disk/x']) {
      expect(problem(LINUX, p), p).toBeNull()
    }
  })

  it('Linux: a folder that contains the install folder is refused (a publisher could replace Shoal)', () => {
    expect(problem(LINUX, '/opt/app', 'join')).toBeNull()
    expect(targetProblem('/srv', 'join', { ...LINUX, installDirs: ['/srv/tools/shoal'] })).toMatch(/top-level/)
    expect(targetProblem('/srv/tools', 'sync', { ...LINUX, installDirs: ['/srv/tools/shoal'] })).toMatch(/^Cannot sync \/srv\/tools: it contains the folder Shoal runs from \(\/srv\/tools\/shoal\)/)
  })

  it('says where a link led when the real path differs from what the user typed', () => {
    expect(targetProblem('/home/ana', 'join', LINUX, { shown: '/srv/link' })).toMatch(/^Cannot join into \/srv\/link \(which leads to \/home\/ana\): it is a home folder/)
  })

  it('refuses special filesystems by their statfs type, and nothing else', () => {
    expect(specialFilesystem(0x9fa0)).toBe('proc')
    expect(specialFilesystem(0x63677270)).toBe('cgroup2')
    expect(specialFilesystem(BigInt(0x62656572))).toBe('sysfs')
    expect(specialFilesystem(0x01021994)).toBeNull() // tmpfs
    expect(specialFilesystem(0xef53)).toBeNull() // ext4
    expect(targetProblem('/srv/cg', 'join', LINUX, { fsType: 0x27e0eb })).toMatch(/on a cgroup filesystem, which the kernel makes up/)
    expect(targetProblem('/srv/cg', 'share', LINUX, { fsType: 0x9fa0 })).toMatch(/^Cannot share \/srv\/cg: it is on a proc filesystem.*may never end/)
    expect(targetProblem('/srv/ram', 'join', LINUX, { fsType: 0x01021994 })).toBeNull()
  })

  it('macOS: system trees, /Users and home folders (case-insensitively), not folders inside them', () => {
    expect(problem(MAC, '/')).toMatch(/root of the filesystem/)
    expect(problem(MAC, '/System/Library/x')).toMatch(/\/System is a system folder/)
    expect(problem(MAC, '/Library/LaunchDaemons')).toMatch(/\/Library is a system folder/)
    expect(problem(MAC, '/private/etc/x')).toMatch(/system folder/)
    expect(problem(MAC, '/Users')).toMatch(/top-level/)
    expect(problem(MAC, '/users/ANA')).toMatch(/home folder/)
    expect(problem(MAC, '/Users/bob')).toMatch(/home folder/)
    expect(problem(MAC, '/Applications')).toMatch(/top-level/)
    expect(problem(MAC, '/Applications/Shoal.app/Contents')).toMatch(/folder Shoal runs from/)
    expect(problem(MAC, '/users/ana/library/application support')).toMatch(/contains Shoal's data directory/)
    for (const ok of ['/Users/ana/Photos', '/Applications/MyApp', '/Volumes/USB/x', '/opt/app']) expect(problem(MAC, ok), ok).toBeNull()
  })

  it('Windows: drive roots, Windows, Program Files, ProgramData, Users and home folders', () => {
    expect(problem(WIN, 'C:\\')).toMatch(/root of a drive/)
    expect(problem(WIN, 'D:\\')).toMatch(/root of a drive/)
    expect(problem(WIN, 'C:\\Windows\\System32')).toMatch(/C:\\Windows is a system folder/)
    expect(problem(WIN, 'c:\\program files\\app')).toMatch(/Program Files is a system folder/)
    expect(problem(WIN, 'C:\\Program Files (x86)\\x')).toMatch(/system folder/)
    expect(problem(WIN, 'C:\\ProgramData\\x')).toMatch(/system folder/)
    expect(problem(WIN, 'C:\\Users')).toMatch(/top-level/)
    expect(problem(WIN, 'C:\\Users\\ana')).toMatch(/home folder/)
    expect(problem(WIN, 'C:\\USERS\\BOB')).toMatch(/home folder/)
    expect(problem(WIN, 'C:\\Users\\ana\\AppData')).toMatch(/contains Shoal's data directory/)
    for (const ok of ['C:\\Users\\ana\\Photos', 'D:\\Shared', 'C:\\Data\\app']) expect(problem(WIN, ok), ok).toBeNull()
  })
})

describe('target rules for share (nothing is written there)', () => {
  it('refuses the data directory and what contains it (its secret keys), and the virtual trees', () => {
    expect(problem(LINUX, '/home/ana', 'share')).toMatch(/^Cannot share \/home\/ana: it contains Shoal's data directory.*publish this device's secret keys/)
    expect(problem(LINUX, '/', 'share')).toMatch(/secret keys/)
    expect(problem(LINUX, '/home/ana/.local/share/shoal/store', 'share')).toMatch(/data directory/)
    expect(problem(LINUX, '/proc/self', 'share')).toMatch(/\/proc is a virtual system folder/)
    expect(problem(LINUX, '/sys', 'share')).toMatch(/virtual/)
    expect(problem(LINUX, '/dev', 'share')).toMatch(/virtual/)
  })

  it('leaves the rest to the user: a home folder without the data directory, /etc, the install folder', () => {
    const elsewhere = { ...LINUX, dataDir: '/var/lib/shoal' }
    for (const p of ['/home/ana', '/etc', '/opt', '/opt/shoal-app', '/home/ana/Photos']) expect(problem(elsewhere, p, 'share'), p).toBeNull()
  })
})

describe('checkFolderTarget on the disk', () => {
  let tmp: string
  let dataDir: string
  beforeEach(async () => {
    tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-target-')))
    dataDir = path.join(tmp, 'box', 'data')
    await fs.mkdir(dataDir, { recursive: true })
  })
  afterEach(async () => {
    await fs.rm(tmp, { recursive: true, force: true })
  })

  const check = (p: string, use: TargetUse = 'join') => checkFolderTarget(p, use, { dataDir })

  it('accepts a new folder (creating nothing) and an existing one', async () => {
    await expect(check(path.join(tmp, 'new', 'deeper'))).resolves.toEqual({ path: path.join(tmp, 'new', 'deeper'), exists: false })
    expect(await fs.readdir(tmp)).toEqual(['box'])
    await expect(check(path.join(tmp, 'box'), 'share')).rejects.toMatchObject({ code: 'BAD_PATH', message: expect.stringMatching(/secret keys/) })
    await fs.mkdir(path.join(tmp, 'mine'))
    await expect(check(path.join(tmp, 'mine'))).resolves.toEqual({ path: path.join(tmp, 'mine'), exists: true })
  })

  it('resolves links of the target and of its nearest existing parent', async () => {
    await fs.symlink(path.join(tmp, 'box'), path.join(tmp, 'to-box'))
    await fs.symlink(dataDir, path.join(tmp, 'to-data'))
    await expect(check(path.join(tmp, 'to-box'))).rejects.toMatchObject({
      code: 'BAD_PATH',
      message: expect.stringMatching(new RegExp(`to-box \\(which leads to ${tmp}/box\\): it contains Shoal's data directory`))
    })
    // Not there yet, but its existing parent is a link into the data directory.
    await expect(check(path.join(tmp, 'to-data', 'new', 'x'))).rejects.toMatchObject({ code: 'BAD_PATH', message: expect.stringMatching(/data directory/) })
    // A relative link climbing out, and `..` typed by the user, end at the same place.
    await fs.mkdir(path.join(tmp, 'box', 'sub'))
    await fs.symlink('..', path.join(tmp, 'box', 'sub', 'up'))
    await expect(check(path.join(tmp, 'box', 'sub', 'up'))).rejects.toMatchObject({ message: expect.stringMatching(/contains Shoal's data directory/) })
    await expect(check(path.join(tmp, 'box', 'sub', '..'))).rejects.toMatchObject({ message: expect.stringMatching(/contains Shoal's data directory/) })
  })

  it('refuses a dangling link (it could lead anywhere later) and a loop, naming them', async () => {
    await fs.symlink('/etc/shoal-nowhere', path.join(tmp, 'dangling'))
    await expect(check(path.join(tmp, 'dangling'))).rejects.toMatchObject({ code: 'BAD_PATH', message: expect.stringMatching(/dangling is a symbolic link to \/etc\/shoal-nowhere, which does not exist/) })
    await fs.symlink('loop-b', path.join(tmp, 'loop-a'))
    await fs.symlink('loop-a', path.join(tmp, 'loop-b'))
    await expect(check(path.join(tmp, 'loop-a', 'x'))).rejects.toMatchObject({ code: 'BAD_PATH', message: expect.stringMatching(/loop/) })
  })

  it('says which file is in the way', async () => {
    await fs.writeFile(path.join(tmp, 'file'), 'x')
    await expect(check(path.join(tmp, 'file', 'sub'))).rejects.toMatchObject({ code: 'FOLDER_MISSING', message: `${tmp}/file/sub cannot be created: ${tmp}/file is a file, not a folder` })
    await expect(check(path.join(tmp, 'file'))).rejects.toMatchObject({ code: 'FOLDER_MISSING', message: `${tmp}/file is a file, not a folder` })
    await expect(check(path.join(tmp, 'missing'), 'share')).rejects.toMatchObject({ code: 'FOLDER_MISSING', message: `Folder ${tmp}/missing does not exist` })
  })

  it('refuses the kernel-made trees of this machine by their filesystem (proc, sysfs)', async () => {
    await expect(check('/proc/shoal-x')).rejects.toMatchObject({ code: 'BAD_PATH', message: expect.stringMatching(/on a proc filesystem/) })
    await expect(check('/sys/shoal-x')).rejects.toMatchObject({ code: 'BAD_PATH', message: expect.stringMatching(/on a sysfs filesystem/) })
    await expect(check('/proc/self', 'share')).rejects.toMatchObject({ code: 'BAD_PATH', message: expect.stringMatching(/proc filesystem.*may never end/) })
  })

  it('counts the folder where this code runs among the install folders', () => {
    const here = path.resolve(import.meta.dirname, '../..')
    expect(installDirs()).toContain(here)
  })
})

describe('joining into a folder that has files', () => {
  let tmp: string
  beforeEach(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'shoal-merge-'))
  })
  afterEach(async () => {
    await fs.rm(tmp, { recursive: true, force: true })
  })

  it('needs merge, and says how many entries are there and the first names', async () => {
    await expect(checkEmptyOrMerge(tmp, false)).resolves.toBeUndefined()
    for (const n of ['d.txt', 'a.txt', 'c', 'b.txt']) await fs.writeFile(path.join(tmp, n), n)
    const err = await checkEmptyOrMerge(tmp, false).catch((e) => e)
    expect(err).toMatchObject({ code: 'FOLDER_NOT_EMPTY', details: { entries: 4, names: ['a.txt', 'b.txt', 'c'] } })
    expect(err.message).toBe(
      `${tmp} is not empty: it holds 4 files or folders (a.txt, b.txt, c, ...). Joining merges the shared folder into it: your files stay, a file with the same name and content is adopted, a different one is kept as a conflict copy. Confirm the merge, or choose a new or empty folder.`
    )
    await expect(checkEmptyOrMerge(tmp, true)).resolves.toBeUndefined()
  })
})
