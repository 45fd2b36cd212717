/**
 * @module
 * Rules for database and store names (issue 8): at most
 * {@link MAX_NAME_LENGTH} UTF-16 code units and no control character (C0,
 * DEL, C1) — the entry format's own limit on store names
 * (`ENTRY_LIMITS.maxNameLength` of `@engram/backend-api`), kept for
 * database names too so a name prints as what it is.
 */
import { ENTRY_LIMITS, hasControlCharacter } from '@engram/backend-api'
import { InvalidSettingsError, InvalidStoreNameError } from '../errors.js'

/** Longest database or store name, in UTF-16 code units. */
export const MAX_NAME_LENGTH: number = ENTRY_LIMITS.maxNameLength

/** Why `name` is not a usable name, or `undefined` when it is. */
function nameProblem(name: string): string | undefined {
  if (name.length > MAX_NAME_LENGTH) return `is longer than ${MAX_NAME_LENGTH} characters`
  if (hasControlCharacter(name)) return 'holds a control character'
  return undefined
}

/** @throws InvalidSettingsError (`INVALID_SETTINGS`) when a database name breaks the rules. */
export function checkDatabaseName(name: string): void {
  const problem = nameProblem(name)
  if (problem !== undefined) throw new InvalidSettingsError(`the database name ${problem}`)
}

/** @throws InvalidStoreNameError (`INVALID_STORE_NAME`) when a store name breaks the rules. */
export function checkStoreName(name: string): void {
  const problem = nameProblem(name)
  if (problem !== undefined) throw new InvalidStoreNameError(`the store name ${problem}`)
}
