import { it } from 'vitest'
import type { Backend } from '../backend.js'
import type { ConformanceOptions } from './suite.js'

export function registerCases<B extends Backend>(options: ConformanceOptions<B>): void {
  it('creates a backend', async () => {
    const b = await options.create()
    await options.teardown?.(b)
  })
}
