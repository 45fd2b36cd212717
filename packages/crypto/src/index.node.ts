/**
 * @module
 * The Node entry of @engram/crypto (selected by the `node` export
 * condition): the same names as the portable entry, with `ed25519`, the
 * shortcuts and `sha256`/`hashBytes` backed by `node:crypto`.
 */
import { nodeEd25519 } from './ed25519/nodecrypto.node.js'
import { shortcuts, type Ed25519 } from './ed25519/index.js'
import { setSha256 } from './hash.js'
import { setBase64Encoder } from './encoding.js'
import { nodeBase64, nodeSha256, nodeSha256Hex } from './hash.node.js'

export * from './index.js'

setSha256(nodeSha256, nodeSha256Hex)
setBase64Encoder(nodeBase64)

/** The default Ed25519 implementation on Node: `node:crypto`. */
export const ed25519: Ed25519 = nodeEd25519

/** On Node the platform's best implementation is always `node:crypto`. */
export const detectEd25519 = async (): Promise<Ed25519> => nodeEd25519

const defaults = shortcuts(ed25519)

/** A new Ed25519 key pair; `privateKey` is the 32-byte seed. */
export const generateSigningKey = defaults.generateSigningKey

/**
 * Signs with `node:crypto`.
 * @throws TypeError / RangeError on a non-byte message or a seed that is not 32 bytes.
 */
export const sign = defaults.sign

/**
 * Verifies with `node:crypto`; `false` on bad data.
 * @throws TypeError only when an argument is not a `Uint8Array`.
 */
export const verify = defaults.verify
