import { defineConfig } from 'vitest/config'
import { sourceConditions } from './vitest.shared.ts'

export default defineConfig({
  test: {
    projects: [
      'packages/*',
      'apps/*',
      { ...sourceConditions, test: { name: 'repo', include: ['test/**/*.test.ts'] } },
    ],
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
})
