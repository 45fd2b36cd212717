import { defineConfig } from 'vitest/config'
import { browserProject } from './vitest.browser.ts'
import { sourceConditions } from './vitest.shared.ts'

const browser = browserProject()
// As in packages/backend-postgres: pg loads pg-pool with require(), which an `import` condition would hand pg-pool's ESM wrapper.
const requireSafe = sourceConditions.resolve.conditions.filter((c) => c !== 'import')

export default defineConfig({
  test: {
    projects: [
      'packages/*',
      'apps/*',
      {
        resolve: sourceConditions.resolve,
        ssr: { resolve: { conditions: requireSafe, externalConditions: requireSafe } },
        test: { name: 'repo', include: ['test/**/*.test.ts'], exclude: ['test/browser/**'] },
      },
      ...(browser ? [browser] : []),
    ],
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
})
