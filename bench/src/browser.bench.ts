/**
 * The browser benchmark: bundles ./browser/page.ts against the built
 * packages (the browser export conditions), serves it on 127.0.0.1, and runs
 * it in Debian's Chromium through Playwright. One run measures, in Chromium:
 * - commits/s (sequential one-key DocStore commits) on IndexedDbBackend vs
 *   MemoryBackend, interleaved in rounds; the baseline is MemoryBackend;
 * - Ed25519 verify/s on WebCrypto vs noble, one at a time and in batches
 *   of 256; the baseline is WebCrypto.
 * First, with or without Chromium, the gzipped size of apps/web's page
 * JavaScript (bundle.ts). Without Chromium (`/usr/bin/chromium`, or
 * CHROMIUM_PATH) it then prints one line and measures nothing more.
 *
 * "Before" figures: set ENGRAM_BASELINE to a built checkout of the code to
 * compare with (e.g. `git worktree add /tmp/base main`, `pnpm install` and
 * `pnpm build` there); its IndexedDbBackend is then measured too, interleaved
 * in the same rounds.
 */
import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type Plugin } from 'esbuild'
import { chromium } from 'playwright'
import type { BrowserBenchResult } from './browser/page.js'
import { runBundle } from './bundle.js'
import { fmt, table } from './measure.js'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** Resolves `engram-bench-baseline` to the ENGRAM_BASELINE checkout's IndexedDbBackend, or to `undefined`. */
function baselinePlugin(dir: string | undefined): Plugin {
  return {
    name: 'engram-bench-baseline',
    setup(b) {
      b.onResolve({ filter: /^engram-bench-baseline$/ }, () => ({ path: 'baseline', namespace: 'engram-bench-baseline' }))
      b.onLoad({ filter: /.*/, namespace: 'engram-bench-baseline' }, () => ({
        contents:
          dir === undefined
            ? 'export const BaselineIndexedDbBackend = undefined'
            : `export { IndexedDbBackend as BaselineIndexedDbBackend } from ${JSON.stringify(join(dir, 'packages/backend-indexeddb/dist/index.js'))}`,
        resolveDir: dir ?? process.cwd(),
      }))
    },
  }
}

export async function run(): Promise<void> {
  await runBundle()
  console.log('')
  if (!existsSync(CHROMIUM)) {
    console.log(`browser bench left out: no Chromium at ${CHROMIUM} (apt-get install --no-install-recommends chromium)`)
    return
  }
  const bundled = await build({
    entryPoints: [fileURLToPath(new URL('./browser/page.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    splitting: true,
    outdir: '/page',
    external: ['node:*'], // only MemoryBackend.save/load reach them, through a dynamic import the bench never runs
    logLevel: 'silent',
    plugins: [baselinePlugin(process.env.ENGRAM_BASELINE || undefined)],
  })
  // Split chunks: the node: imports stay in the lazy chunk that is never loaded.
  const files = new Map(bundled.outputFiles.map((f) => [f.path, f.text]))
  const server = createServer((req, res) => {
    const script = files.get(req.url ?? '')
    if (script !== undefined) {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(script)
      return
    }
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script type="module" src="/page/page.js"></script>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
  try {
    const page = await browser.newPage()
    page.on('pageerror', (err) => console.error(`page error: ${err.message}`))
    await page.goto(`http://127.0.0.1:${port}/`)
    await page.waitForFunction(() => typeof window.runBench === 'function')
    const r: BrowserBenchResult = await page.evaluate(() => window.runBench({ rounds: 6, perRound: 500, verifyMs: 400 }))
    console.log(r.userAgent)
    console.log(`commits: ${fmt(r.commits.rounds * r.commits.perRound)} per backend in ${r.commits.rounds} interleaved rounds (sequential one-key DocStore commits)`)
    const before = r.commits.before
    table([
      ['backend', 'commits/s', 'vs memory', ...(before === undefined ? [] : ['vs before'])],
      ['MemoryBackend', fmt(r.commits.memory), '1.00', ...(before === undefined ? [] : [''])],
      ...(before === undefined ? [] : [['IndexedDbBackend (before)', fmt(before), fmt(before / r.commits.memory, 2), '1.00']]),
      ['IndexedDbBackend', fmt(r.commits.indexeddb), fmt(r.commits.indexeddb / r.commits.memory, 2), ...(before === undefined ? [] : [fmt(r.commits.indexeddb / before, 2)])],
    ])
    if (before === undefined) console.log('(set ENGRAM_BASELINE to a built checkout for "before" figures)')
    console.log('\nEd25519 verify (200-byte messages, 256 keys), 3 rounds')
    table([
      ['implementation', 'verify/s one at a time', 'vs webcrypto', 'verify/s batch of 256', 'vs webcrypto'],
      ['webcrypto', fmt(r.verify.webcrypto), '1.00', fmt(r.verify.webcryptoBatch), '1.00'],
      ['noble', fmt(r.verify.noble), fmt(r.verify.noble / r.verify.webcrypto, 2), fmt(r.verify.nobleBatch), fmt(r.verify.nobleBatch / r.verify.webcryptoBatch, 2)],
    ])
  } finally {
    await browser.close()
    server.close()
  }
}
