import type { Result } from '../../shared/api.ts'
import { deviceLabels } from '../../shared/device-label.ts'
import { countOf, formatBytes, kindName, stateName, table } from './format.ts'
import { progressText } from '../../shared/progress.ts'
import { printable } from './printable.ts'
import { heldMessage } from '../engine/folder/delete-guard.ts'

/** What `shoal status` shows: the engine's status, whether a daemon served it, and the UI's address. */
export interface StatusSnapshot {
  result: Result<'status'>
  /** The devices connected now (none without a daemon). */
  peers: Result<'peers.list'>
  /** True when a running `shoal run` answered. */
  daemon: boolean
  uiUrl?: string
  dataDir: string
}

/** The lines `shoal status` prints (once, or again on every change with --watch). */
export function statusLines({ result, peers, daemon, uiUrl, dataDir }: StatusSnapshot): string[] {
  const lines: string[] = []
  lines.push(`Device  ${printable(result.deviceName)}`)
  const labels = deviceLabels(peers)
  const names = peers.length ? `: ${peers.map((p) => printable(labels.get(p.id) ?? p.id)).join(', ')}` : ''
  lines.push(daemon ? `Shoal   running, ${countOf(peers.length, 'device')} connected${names}` : `Shoal   not running for ${dataDir} (start 'shoal run' to sync)`)
  if (uiUrl) lines.push(`Web UI  ${uiUrl}`)
  if (result.folders.length === 0) {
    lines.push(`\nNo folders yet: 'shoal share <folder>' shares one, 'shoal join <link> <folder>' gets one,`)
    lines.push(`'shoal sync <folder>' keeps one in two-way sync across your devices.`)
    return lines
  }
  const rows = result.folders.map((f) => [
    f.name,
    kindName(f.kind),
    // Without the daemon nothing syncs, whatever state the engine found the folder in at open;
    // held deletes still wait for the user, running or not.
    stateName(daemon ? f.state : f.held ? 'held' : f.paused ? 'paused' : 'stopped'),
    f.kind === 'follow' && f.remoteVersion > f.version ? `${f.version}/${f.remoteVersion}` : f.kind === 'seed' && f.version === 0 ? '-' : String(f.version),
    f.kind === 'seed' && f.files === 0 ? '-' : String(f.files),
    formatBytes(f.bytes),
    // The store: the latest version's content and history (after the folder's first check).
    f.disk ? `${formatBytes(f.disk.current + f.disk.history)} (${formatBytes(f.disk.history)})` : '-',
    String(f.progress.peers),
    progressText(f.state, f.progress),
    f.kind === 'seed' ? '(seeding, no local folder)' : f.path
  ])
  lines.push('\n' + table(['NAME', 'KIND', 'STATE', 'VERSION', 'FILES', 'SIZE', 'STORE (HISTORY)', 'PEERS', 'PROGRESS', 'PATH'], rows))
  for (const f of result.folders) {
    // A folder removed from its devices says so whether or not Shoal runs.
    if (f.error && (daemon || f.state === 'stopped')) lines.push(`${printable(f.name)}: ${printable(f.error)}`)
    // While the folder shows 'held' its error is this message; paused, failed or not running, it is said here.
    if (f.held && !(daemon && f.state === 'held')) lines.push(`${printable(f.name)}: ${printable(heldMessage(f.held))}`)
    if (f.nameWarnings) {
      lines.push(`${printable(f.name)}: ${countOf(f.nameWarnings.count, 'name')} other systems cannot hold:`)
      for (const w of f.nameWarnings.first.slice(0, 3)) lines.push(`  ${printable(w.reason)}`)
      if (f.nameWarnings.count > 3) lines.push(`  ... (see 'shoal run' log)`)
    }
    if (f.conflicts || f.refused) lines.push(`${printable(f.name)}: ${countOf(f.conflicts, 'conflict copy', 'conflict copies')}, ${countOf(f.refused, 'refused file')} (see 'shoal run' log)`)
  }
  return lines
}

/** The --json form: the same snapshot as one object. */
export function statusJson({ result, daemon, uiUrl }: StatusSnapshot): Record<string, unknown> {
  return { running: daemon, ...(uiUrl ? { uiUrl } : {}), ...result }
}
