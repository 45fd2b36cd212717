import { existsSync } from 'node:fs'
import { defineProject } from 'vitest/config'
import { sourceConditions } from '../../vitest.shared.ts'

// The end-to-end test drives Debian's Chromium; without it (outside CI) it is left out, as the
// browser project is (the root config prints how to install it). Under CI a missing Chromium fails it.
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const e2e = existsSync(chromium) || process.env.CI === 'true'

export default defineProject({
  ...sourceConditions,
  test: { include: ['test/**/*.test.ts'], exclude: e2e ? [] : ['test/e2e.test.ts'], testTimeout: 180_000, hookTimeout: 120_000 },
})
