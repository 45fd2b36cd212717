/** Reading the root README, for the tests that run what it shows. */
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

export const repoRoot = resolve(import.meta.dirname, '..')

/** The first ```ts block after the README's "## Quick start" heading. */
export function quickStart(): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8')
  const section = readme.split(/^## Quick start\s*$/m)[1]
  const block = section && /```ts\n([\s\S]*?)```/.exec(section)
  if (!block) throw new Error('README.md has no ```ts block under "## Quick start"')
  return block[1]!
}
