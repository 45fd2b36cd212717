/**
 * @module
 * The Node entry of @engram/crypto (selected by the `node` export
 * condition): the same names as the portable entry, with `ed25519` and the
 * shortcuts backed by libsodium (`sodium-native`) where it loads, else
 * `node:crypto`, and `sha256`/`hashBytes` backed by `node:crypto`.
 */
import { selectNodeEd25519 } from './ed25519/select.node.js'
import { shortcuts, type Ed25519 } from './ed25519/index.js'
import { setSha256 } from './hash.js'
import { setBase64Encoder } from './encoding.js'
import { nodeBase64, nodeSha256, nodeSha256Hex } from './hash.node.js'

export * from './index.js'

setSha256(nodeSha256, nodeSha256Hex)
setBase64Encoder(nodeBase64)

/**
 * The default Ed25519 implementation on Node, chosen once at import:
 * libsodium (`sodium-native`, an optional dependency) when it loads and
 * passes its self-test and `ENGRAM_NO_SODIUM` is not set; else
 * `node:crypto`; else the portable default. `ed25519.name` says which.
 */
export const ed25519: Ed25519 = selectNodeEd25519()

/** The implementation `ed25519` is (on Node, chosen at import). */
export const detectEd25519 = async (): Promise<Ed25519> => ed25519

const defaults = shortcuts(ed25519)

/** A new Ed25519 key pair; `privateKey` is the 32-byte seed. */
export const generateSigningKey = defaults.generateSigningKey

/**
 * Signs with the default implementation (`ed25519.sign`).
 * @throws TypeError / RangeError on a non-byte message or a seed that is not 32 bytes.
 */
export const sign = defaults.sign

/**
 * Verifies with the default implementation (`ed25519.verify`); `false` on bad data.
 * @throws TypeError only when an argument is not a `Uint8Array`.
 */
export const verify = defaults.verify
