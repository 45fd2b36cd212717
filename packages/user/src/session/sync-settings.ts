/**
 * @module
 * Checking and filling in the `syncSettings` a caller passes to `trackDatabase`.
 */
import type { SyncSettings } from '../types.js'

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Defaults: `{ syncEnabled: false, syncOnCommit: false }`; `intervalSeconds`
 * and `properties` only when given.
 * @throws TypeError for a field of the wrong type; RangeError for an interval that is not a positive finite number.
 */
export function normalizeSyncSettings(input: Partial<SyncSettings> | undefined): SyncSettings {
  if (input === undefined) return { syncEnabled: false, syncOnCommit: false }
  if (!isPlainObject(input)) throw new TypeError('syncSettings must be an object')
  const { syncEnabled = false, syncOnCommit = false, intervalSeconds, properties } = input
  if (typeof syncEnabled !== 'boolean') throw new TypeError('syncSettings.syncEnabled must be a boolean')
  if (typeof syncOnCommit !== 'boolean') throw new TypeError('syncSettings.syncOnCommit must be a boolean')
  const out: SyncSettings = { syncEnabled, syncOnCommit }
  if (intervalSeconds !== undefined) {
    if (typeof intervalSeconds !== 'number') throw new TypeError('syncSettings.intervalSeconds must be a number')
    if (!Number.isFinite(intervalSeconds) || intervalSeconds <= 0)
      throw new RangeError('syncSettings.intervalSeconds must be a positive finite number')
    out.intervalSeconds = intervalSeconds
  }
  if (properties !== undefined) {
    if (!isPlainObject(properties)) throw new TypeError('syncSettings.properties must be an object of strings')
    const copy: Record<string, string> = {}
    for (const [k, v] of Object.entries(properties)) {
      if (typeof v !== 'string') throw new TypeError(`syncSettings.properties.${k} must be a string`)
      copy[k] = v
    }
    out.properties = copy
  }
  return out
}

/** Reads stored settings back (lenient: unknown or bad fields fall back to defaults). */
export function readSyncSettings(value: unknown): SyncSettings {
  if (!isPlainObject(value)) return { syncEnabled: false, syncOnCommit: false }
  const out: SyncSettings = { syncEnabled: value.syncEnabled === true, syncOnCommit: value.syncOnCommit === true }
  if (typeof value.intervalSeconds === 'number' && Number.isFinite(value.intervalSeconds) && value.intervalSeconds > 0)
    out.intervalSeconds = value.intervalSeconds
  if (isPlainObject(value.properties)) {
    const props: Record<string, string> = {}
    for (const [k, v] of Object.entries(value.properties)) if (typeof v === 'string') props[k] = v
    out.properties = props
  }
  return out
}
