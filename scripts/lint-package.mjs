#!/usr/bin/env node
// Package lint, run in a package folder by `pnpm lint`:
// - a README.md exists;
// - every export lists `types` before `default`;
// - `node:` modules are imported only from `*.node.ts` files, so the path a
//   browser loads never touches them (see the root README, "Browsers");
// - no console output from library code.
import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs'
import { join } from 'node:path'

const problems = []
const pkg = JSON.parse(readFileSync('package.json', 'utf8'))
if (!existsSync('README.md')) problems.push('README.md is missing')

const checkExport = (name, target) => {
  if (typeof target !== 'object' || target === null) return
  const keys = Object.keys(target)
  if ('default' in target && 'types' in target && keys.indexOf('types') > keys.indexOf('default'))
    problems.push(`exports["${name}"]: "types" must come before "default"`)
  for (const [k, v] of Object.entries(target)) if (k !== 'types' && k !== 'default') checkExport(name, v)
}
for (const [name, target] of Object.entries(pkg.exports ?? {})) checkExport(name, target)

const isApp = !pkg.name.startsWith('@engram/') || pkg.private === true
const walk = (dir) =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : []
  })
if (!isApp && existsSync('src')) {
  for (const file of walk('src')) {
    const text = readFileSync(file, 'utf8')
    if (!file.endsWith('.node.ts') && /from\s+['"]node:|import\(\s*['"]node:/.test(text))
      problems.push(`${file}: imports a node: module; only *.node.ts files may`)
    if (/^\s*console\.(log|info|debug)\(/m.test(text)) problems.push(`${file}: library code writes to the console`)
  }
}

if (problems.length > 0) {
  for (const p of problems) console.error(`${pkg.name}: ${p}`)
  process.exit(1)
}
