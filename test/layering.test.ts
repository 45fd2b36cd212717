/**
 * Layers point one way (ARCHITECTURE.md): a package may import only
 * packages above it in LAYERS, and never another package's internals.
 */
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const LAYERS = ['crypto', 'backend-api', 'backend-memory', 'backend-sqlite', 'backend-postgres', 'backend-indexeddb', 'database', 'user', 'core', 'sync'] as const
const root = resolve(import.meta.dirname, '..')

interface Violation {
  file: string
  spec: string
  why: string
}

const IMPORT_RE = /(?:^|[^\w$.])(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g

/** Import specifiers of a TypeScript source text. */
export function importsOf(text: string): string[] {
  const out: string[] = []
  for (const m of text.matchAll(IMPORT_RE)) out.push((m[1] ?? m[2])!)
  return out
}

/** Checks one file of package `pkg` (a LAYERS name) at `file` inside `pkgDir`. */
export function checkFile(pkg: string, pkgDir: string, file: string, text: string): Violation[] {
  const rank = LAYERS.indexOf(pkg as (typeof LAYERS)[number])
  const found: Violation[] = []
  for (const spec of importsOf(text)) {
    if (spec.startsWith('@engram/')) {
      const [, name, ...rest] = spec.split('/')
      const depRank = LAYERS.indexOf(name as (typeof LAYERS)[number])
      if (name !== pkg && depRank >= rank)
        found.push({ file, spec, why: `@engram/${pkg} may not import @engram/${name}, a layer at or below it` })
      if (rest[0] === 'src' || rest[0] === 'dist')
        found.push({ file, spec, why: 'reaches into another package’s internals' })
    } else if (spec.startsWith('.')) {
      const target = resolve(dirname(file), spec)
      if (relative(pkgDir, target).startsWith('..'))
        found.push({ file, spec, why: 'relative import leaves the package' })
    }
  }
  return found
}

const walk = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir).flatMap((f) => {
        const p = join(dir, f)
        if (f === 'node_modules' || f === 'dist') return []
        return statSync(p).isDirectory() ? walk(p) : /\.(m?ts|tsx)$/.test(f) ? [p] : []
      })
    : []

describe('package layering', () => {
  const packages = readdirSync(join(root, 'packages')).filter((p) => existsSync(join(root, 'packages', p, 'package.json')))

  it('knows every package', () => {
    for (const p of packages) expect(LAYERS as readonly string[], `packages/${p} is not in LAYERS`).toContain(p)
  })

  for (const pkg of packages) {
    const pkgDir = join(root, 'packages', pkg)
    it(`@engram/${pkg} depends only on packages above it`, () => {
      const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'))
      const deps = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies, ...manifest.devDependencies })
      const bad = deps
        .filter((d) => d.startsWith('@engram/'))
        .filter((d) => LAYERS.indexOf(d.slice(8) as (typeof LAYERS)[number]) >= LAYERS.indexOf(pkg as (typeof LAYERS)[number]))
      expect(bad).toEqual([])
    })
    it(`@engram/${pkg} imports only packages above it, by name`, () => {
      const violations = [...walk(join(pkgDir, 'src')), ...walk(join(pkgDir, 'test'))].flatMap((f) =>
        checkFile(pkg, pkgDir, f, readFileSync(f, 'utf8')),
      )
      expect(violations).toEqual([])
    })
  }

  it('catches an upward import, a deep import and an escaping relative import', () => {
    const dir = join(root, 'packages', 'database')
    const text = [
      "import { Instance } from '@engram/core'",
      "import type { X } from '@engram/crypto/src/hash.js'",
      "export { y } from '../../user/src/index.js'",
      "const m = await import('@engram/user')",
    ].join('\n')
    const v = checkFile('database', dir, join(dir, 'src', 'a.ts'), text)
    expect(v.map((x) => x.spec)).toEqual(['@engram/core', '@engram/crypto/src/hash.js', '../../user/src/index.js', '@engram/user'])
  })

  it('accepts imports from lower layers and inside the package', () => {
    const dir = join(root, 'packages', 'core')
    const text = "import { Database } from '@engram/database'\nimport { a } from './a.js'\nimport { b } from '../src/b.js'"
    expect(checkFile('core', dir, join(dir, 'test', 'x.test.ts'), text)).toEqual([])
  })
})
