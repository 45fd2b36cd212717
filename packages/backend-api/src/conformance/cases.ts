/**
 * @module
 * Registers every conformance case (the suite body).
 */
import type { Backend } from '../backend.js'
import { capabilityCases } from './cases-capabilities.js'
import { entryCases } from './cases-entries.js'
import { graphCases } from './cases-graph.js'
import { robustnessCases } from './cases-robustness.js'
import { walkCases } from './cases-walks.js'
import { freshFrom, withBackendFrom } from './helpers.js'
import type { ConformanceOptions } from './suite.js'

export function registerCases<B extends Backend>(options: ConformanceOptions<B>): void {
  const use = withBackendFrom(options)
  entryCases(use)
  graphCases(use)
  walkCases(use)
  robustnessCases(use, freshFrom(options))
  capabilityCases(options, use)
}
