import { defineProject } from 'vitest/config'
import { sourceConditions } from '../../vitest.shared.ts'

// Node has no IndexedDB: fake-indexeddb provides one here. The same tests run
// on Chromium's real IndexedDB in the root `browser` project.
export default defineProject({
  ...sourceConditions,
  test: { include: ['test/**/*.test.ts'], setupFiles: ['fake-indexeddb/auto'] },
})
