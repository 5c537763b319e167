// File systems that hold no user files, only live views of the kernel (/proc, /sys, /dev/pts...):
// their trees can be endless or change on every read, so Shoal never scans or shares them.
import { statfsSync } from 'node:fs'
import { statfs } from 'node:fs/promises'
import { ShoalError } from '../../../shared/errors.ts'

// statfs(2) f_type values (linux/magic.h). Other systems have no such mounts inside a user folder.
const PSEUDO_FILESYSTEMS = new Map<number, string>([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x1cd1, 'devpts'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0x62656570, 'configfs'],
  [0x65735543, 'fusectl'],
  [0xcafe4a11, 'bpf'],
  [0x6165676c, 'pstore'],
  [0xde5e81e4, 'efivarfs'],
  [0x42494e4d, 'binfmt_misc'],
  [0x6e736673, 'nsfs'],
  [0x0187, 'autofs'],
  [0xf97cff8c, 'selinuxfs'],
  [0x43415d53, 'smackfs']
])

/** The name of the pseudo file system `abs` is on ('proc', 'sysfs'...), or null for a real one. */
export async function pseudoFilesystem(abs: string): Promise<string | null> {
  if (process.platform !== 'linux') return null
  return PSEUDO_FILESYSTEMS.get((await statfs(abs)).type >>> 0) ?? null
}

/** The same, for chokidar's synchronous filter (called only where the device changes). */
export function pseudoFilesystemSync(abs: string): string | null {
  if (process.platform !== 'linux') return null
  return PSEUDO_FILESYSTEMS.get(statfsSync(abs).type >>> 0) ?? null
}

/** Throws BAD_PATH for a folder root on a pseudo file system. */
export function refusePseudoRoot(root: string, name: string | null): void {
  if (name) throw new ShoalError('BAD_PATH', `${root} is on a ${name} file system, a live view of the system that holds no files to share. Nothing was scanned; remove this folder from Shoal.`, { root })
}
