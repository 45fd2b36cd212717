import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

/**
 * The page: src/page → dist/page. Workspace packages are bundled from their
 * TypeScript sources (the `@engram/source` condition) on their browser path.
 */
export default defineConfig({
  root: fileURLToPath(new URL('src/page', import.meta.url)),
  base: './',
  resolve: {
    conditions: ['@engram/source', 'browser', 'module', 'import', 'default'],
    // @engram/crypto loads hash-wasm for Argon2id only: its Argon2 build (~11 kB gzipped) instead of every algorithm (~80 kB)
    alias: [{ find: /^hash-wasm$/, replacement: 'hash-wasm/dist/argon2.umd.min.js' }],
  },
  build: { outDir: fileURLToPath(new URL('dist/page', import.meta.url)), emptyOutDir: true, target: 'es2022', reportCompressedSize: false },
  // 'error': the one warning is backend-memory's Node-only snapshot module, imported lazily and never on this page
  logLevel: 'error',
})
