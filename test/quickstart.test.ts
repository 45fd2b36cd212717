/**
 * Runs the README's quick start exactly as written and checks what it prints.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it, vi } from 'vitest'
import { quickStart, repoRoot as root } from './readme.js'

it('the README quick start runs as written and prints the task', async () => {
  const code = quickStart()
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
