#!/usr/bin/env node
// The `shoal` command: load TypeScript through tsx, then run the CLI.
import { register } from 'tsx/esm/api'

register()
await import(new URL('../main/daemon/cli.ts', import.meta.url).href)
