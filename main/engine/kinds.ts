// The folder kinds, one row each: what `shoal share`, `join`, `join --atomic`, `seed` and `sync`
// make. Adding a kind is one strategy (folder/kind.ts) and one row here.
import type { KindFactory } from './folder/runner.ts'
import type { FolderConfig } from './config.ts'
import { Publish } from './publish/publish.ts'
import { Follow } from './follow/follow.ts'
import { Seed } from './seed/seed.ts'
import { TwoWay } from './twoway/twoway.ts'
import type { FolderKind } from '../../shared/folder.ts'

const KINDS: Record<FolderKind, (config: FolderConfig) => KindFactory> = {
  publish: () => (f) => new Publish(f),
  follow: (config) => (f) => new Follow(f, config.atomic === true),
  'two-way': () => (f) => new TwoWay(f),
  seed: () => (f) => new Seed(f)
}

/** Every kind's name (tests check that each one is covered). */
export const KIND_NAMES = Object.keys(KINDS) as FolderKind[]

export function kindOf(config: FolderConfig): KindFactory {
  return KINDS[config.kind](config)
}
