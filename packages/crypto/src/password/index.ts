/**
 * @module
 * Passwords and password-derived keys: Argon2id, PHC strings.
 */
export {
  argon2id,
  DEFAULT_ARGON2,
  ARGON2_LIMITS,
  type Argon2Params,
  type Argon2Implementation,
} from './argon2.js'
export { parsePasswordHash, type PasswordHash } from './phc.js'
export { hashPassword, verifyPassword, deriveKey } from './password.js'
