/**
 * The browser path: the library packages bundled for a browser (no `node`
 * export condition) load no `node:` module on the way in, and the README
 * quick start runs from that bundle — on the portable crypto (WebCrypto /
 * noble), not on `node:crypto`.
 */
import { build, type Metafile } from 'esbuild'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { quickStart, repoRoot as root } from './readme.js'
const out = mkdtempSync(join(tmpdir(), 'engram-browser-'))
afterAll(() => rmSync(out, { recursive: true, force: true }))

const LIBRARIES = ['crypto', 'backend-api', 'backend-memory', 'backend-indexeddb', 'database', 'user', 'core']

async function bundle(name: string, source: string): Promise<{ entry: string; metafile: Metafile }> {
  // The entry file sits in the repo so that package names resolve from the root's dependencies.
  mkdirSync(join(root, 'test', '.generated'), { recursive: true })
  const entryFile = join(root, 'test', '.generated', `${name}.ts`)
  writeFileSync(entryFile, source)
  const result = await build({
    entryPoints: [entryFile],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outdir: join(out, name),
    external: ['node:*'],
    metafile: true,
    logLevel: 'silent',
  })
  const entry = Object.keys(result.metafile.outputs).find((o) => result.metafile.outputs[o]!.entryPoint !== undefined)!
  return { entry, metafile: result.metafile }
}

/** `node:` modules reachable from `output` through static imports only. */
function staticNodeImports(metafile: Metafile, output: string, seen = new Set<string>()): string[] {
  if (seen.has(output)) return []
  seen.add(output)
  return (metafile.outputs[output]?.imports ?? []).flatMap((imp) => {
    if (imp.kind === 'dynamic-import') return []
    if (imp.path.startsWith('node:')) return [imp.path]
    return staticNodeImports(metafile, imp.path, seen)
  })
}

describe('browser bundle', () => {
  it('every library package loads without a node: module', async () => {
    const source = LIBRARIES.map((p, i) => `export * as m${i} from '@engram/${p}'`).join('\n')
    const { entry, metafile } = await bundle('all-libraries', source)
    expect(staticNodeImports(metafile, entry)).toEqual([])
    // The check can fail: a static node: import is caught.
    const bad = await bundle('bad', "import { readFileSync } from 'node:fs'\nexport const f = readFileSync")
    expect(staticNodeImports(bad.metafile, bad.entry)).toEqual(['node:fs'])
  })

  it('the quick start runs from the browser bundle, on portable crypto', async () => {
    const code = quickStart()
    const probe = "\nimport { ed25519 as __ed } from '@engram/crypto'\nexport const edName = await (async () => { await __ed.getPublicKey(new Uint8Array(32)); return __ed.name })()\n"
    const { entry, metafile } = await bundle('quickstart', code + probe)
    expect(staticNodeImports(metafile, entry)).toEqual([])
    const logged: unknown[][] = []
    const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logged.push(args))
    let mod: { edName: string }
    try {
      mod = await import(/* @vite-ignore */ pathToFileURL(resolve(root, entry)).href)
    } finally {
      spy.mockRestore()
    }
    expect(logged).toEqual([[{ title: 'write docs', done: false }]])
    expect(['webcrypto', 'noble']).toContain(mod.edName)
  })
})
