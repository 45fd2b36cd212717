/**
 * The web page's JavaScript size (part of the `browser` suite; needs no
 * Chromium): builds apps/web's page with its own Vite config into a
 * temporary folder and reports each script's size raw and gzipped (level 9),
 * which are loaded with the page and which only when a person logs in
 * (Argon2id), and the total against the target (< 150 kB gzipped).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'vite'
import { table } from './measure.js'

const WEB = fileURLToPath(new URL('../../apps/web/', import.meta.url))
export const TARGET_GZIP_BYTES = 150 * 1000

export async function runBundle(): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), 'engram-web-bundle-'))
  try {
    await build({ configFile: join(WEB, 'vite.config.ts'), build: { outDir: out, emptyOutDir: true }, logLevel: 'error' })
    const html = readFileSync(join(out, 'index.html'), 'utf8')
    const assets = readdirSync(join(out, 'assets')).filter((f) => f.endsWith('.js'))
    const rows = assets.map((f) => {
      const bytes = readFileSync(join(out, 'assets', f))
      return { file: f, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, entry: html.includes(`assets/${f}`) }
    })
    rows.sort((a, b) => Number(b.entry) - Number(a.entry) || b.gzip - a.gzip)
    const kb = (n: number): string => (n / 1000).toFixed(1)
    const total = rows.reduce((s, r) => s + r.gzip, 0)
    console.log('apps/web page JavaScript (Vite production build; kB = 1000 bytes; gzip level 9)')
    table([
      ['script', 'loaded', 'raw kB', 'gzip kB'],
      ...rows.map((r) => [r.file.replace(/-[A-Za-z0-9_-]{8}\.js$/, '.js'), r.entry ? 'with the page' : 'on demand', kb(r.raw), kb(r.gzip)]),
      ['total', '', kb(rows.reduce((s, r) => s + r.raw, 0)), kb(total)],
    ])
    console.log(`gzipped total ${kb(total)} kB: ${total < TARGET_GZIP_BYTES ? 'under' : 'OVER'} the ${kb(TARGET_GZIP_BYTES)} kB target (${(total / TARGET_GZIP_BYTES).toFixed(2)} of it)`)
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
}
