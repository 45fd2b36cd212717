/**
 * @module
 * Ed25519 (RFC 8032): the interface, its portable implementations and the
 * public-key text form. The `node:crypto` implementation lives in
 * `nodecrypto.node.ts`, reached only through the Node entry points.
 */
export type { Ed25519, SigningKey, VerifyItem } from './types.js'
export { nobleEd25519 } from './noble.js'
export { webCryptoEd25519, isWebCryptoEd25519Supported } from './webcrypto.js'
export { portableEd25519, detectEd25519, shortcuts, type KeyPair } from './default.js'
export { formatPublicKey, parsePublicKey, isPublicKey } from './public-key.js'
