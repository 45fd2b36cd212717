/**
 * Runs the README's quick start exactly as written and checks what it prints.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { expect, it, vi } from 'vitest'

const root = resolve(import.meta.dirname, '..')

/** The first ```ts block after the "## Quick start" heading. */
export function quickStartOf(readme: string): string {
  const section = readme.split(/^## Quick start\s*$/m)[1]
  const block = section && /```ts\n([\s\S]*?)```/.exec(section)
  if (!block) throw new Error('README.md has no ```ts block under "## Quick start"')
  return block[1]!
}

it('the README quick start runs as written and prints the task', async () => {
  const code = quickStartOf(readFileSync(join(root, 'README.md'), 'utf8'))
  expect(code.split('\n').filter((l) => l.trim() !== '').length).toBeLessThanOrEqual(16)
  const dir = join(root, 'test', '.generated')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, 'quickstart.ts')
  writeFileSync(file, code)
  const logged: unknown[][] = []
  const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logged.push(args))
  try {
    await import(/* @vite-ignore */ file)
  } finally {
    spy.mockRestore()
  }
  expect(logged).toEqual([[{ title: 'write docs', done: false }]])
})
