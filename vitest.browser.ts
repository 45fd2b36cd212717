/**
 * The `browser` vitest project: tests that run in real Chromium (Debian's
 * `/usr/bin/chromium`, driven by Playwright; no browser download).
 *
 * Without Chromium the project is left out with one printed line saying how
 * to get it, except under `CI=true`, where a missing Chromium is a failure.
 * `CHROMIUM_PATH` points at another Chromium binary.
 */
import { existsSync } from 'node:fs'
import { playwright } from '@vitest/browser-playwright'
import type { TestProjectInlineConfiguration } from 'vitest/config'

/** Where Debian puts Chromium; `CHROMIUM_PATH` overrides it. */
export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium'

/** Flags for a root, offline machine (see README "Browser tests"). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

// Browser resolution of the workspace packages: TypeScript sources, never the `node` condition.
const conditions = ['@engram/source', 'browser', 'import', 'module', 'default']

/**
 * Test files that run in Chromium: every package test that needs no Node
 * API, and the browser-only files under test/browser/.
 */
const include = [
  'test/browser/**/*.test.ts',
  'packages/backend-indexeddb/test/**/*.test.ts',
  'packages/backend-api/test/{conformance,graph,validate,walk}.test.ts',
  'packages/crypto/test/{argon2,password,phc}.test.ts',
  'packages/database/test/*.test.ts',
  'packages/user/test/*.test.ts',
  'packages/core/test/{accounts,hooks-and-sync,instance}.test.ts',
]
// Files that use Node APIs (node:crypto as a reference, node:fs): their browser counterparts are in test/browser/.
const exclude = ['**/node_modules/**', 'packages/database/test/entry.test.ts', 'packages/user/test/key-manager-sodium.test.ts']

/**
 * The browser project, or `undefined` (with one printed line) when Chromium
 * is missing outside CI.
 * @throws Error when Chromium is missing and `CI` is `true`.
 */
export function browserProject(env: Record<string, string | undefined> = process.env): TestProjectInlineConfiguration | undefined {
  const chromium = env.CHROMIUM_PATH ?? DEFAULT_CHROMIUM_PATH
  if (!existsSync(chromium)) {
    const how = 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium'
    if (env.CI === 'true') throw new Error(`browser tests: no Chromium at ${chromium}, and CI needs it: ${how}`)
    process.stdout.write(`browser tests left out: no Chromium at ${chromium}; install it with \`${how}\` (or set CHROMIUM_PATH)\n`)
    return undefined
  }
  return {
    resolve: { conditions },
    // Pre-bundled before the first test file loads, so a cold cache (a fresh
    // clone, CI) never re-optimizes and reloads the page in the middle of a run.
    optimizeDeps: {
      include: [
        '@noble/ed25519',
        '@noble/hashes/sha2.js',
        '@noble/hashes/argon2.js',
        '@engram/crypto > @noble/ciphers/aes.js',
        '@engram/crypto > hash-wasm',
        'fast-check',
      ],
    },
    test: {
      name: 'browser',
      include,
      exclude,
      testTimeout: 30_000,
      // a Node sync server for the fetch client's tests (test/browser/sync-fetch.test.ts)
      globalSetup: ['test/browser/sync-server.setup.ts'],
      browser: {
        enabled: true,
        headless: true,
        screenshotFailures: false,
        provider: playwright({ launchOptions: { executablePath: chromium, args: CHROMIUM_ARGS } }),
        instances: [{ browser: 'chromium' }],
      },
    },
  }
}
