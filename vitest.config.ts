import { defineConfig } from 'vitest/config'
import { browserProject } from './vitest.browser.ts'
import { sourceConditions } from './vitest.shared.ts'

const browser = browserProject()

export default defineConfig({
  test: {
    projects: [
      'packages/*',
      'apps/*',
      { ...sourceConditions, test: { name: 'repo', include: ['test/**/*.test.ts'], exclude: ['test/browser/**'] } },
      ...(browser ? [browser] : []),
    ],
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
})
