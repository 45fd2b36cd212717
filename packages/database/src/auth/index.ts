/**
 * @module
 * Authentication: permissions, auth keys and delegations in
 * `_settings.auth`, resolving an entry's signer, priority rules.
 */
export { Permission, type PermissionBounds } from './permission.js'
export {
  WILDCARD,
  checkAuthKey,
  checkKeyName,
  parseAuthEntry,
  authKeyToJson,
  delegationToJson,
  permissionToJson,
  entryStrength,
  type AuthKey,
  type DelegationRef,
  type AuthEntry,
} from './auth-key.js'
export { authState, requireAuthDoc, authEntries, findSigKeysIn, type AuthState, type SigKeyMatch } from './settings-auth.js'
export {
  MAX_DELEGATION_DEPTH,
  resolveDirect,
  resolveSigKey,
  type ResolvedSigner,
  type DelegationContext,
} from './resolve.js'
export { checkSettingsChange } from './priority.js'
