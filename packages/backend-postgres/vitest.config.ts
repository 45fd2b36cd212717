import { defineProject } from 'vitest/config'
import { sourceConditions } from '../../vitest.shared.ts'

// Vitest passes the SSR conditions to its workers as `node --conditions`, and
// pg loads pg-pool with require(): an `import` condition would hand it
// pg-pool's ESM wrapper. Vite adds `import` itself where it resolves imports.
const conditions = sourceConditions.resolve.conditions.filter((c) => c !== 'import')
export default defineProject({
  resolve: { conditions: sourceConditions.resolve.conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: { include: ['test/**/*.test.ts'] },
})
