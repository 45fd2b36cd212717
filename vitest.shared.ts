/**
 * Shared vitest settings: resolve workspace packages to their TypeScript
 * sources (the `@engram/source` export condition), so tests need no build.
 */
const conditions = ['@engram/source', 'node', 'import', 'module', 'default']

export const sourceConditions = {
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
}
