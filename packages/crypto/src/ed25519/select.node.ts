/**
 * @module
 * Which Ed25519 implementation the Node entry uses (Node only): libsodium
 * (`sodium-native`) when it loads and passes its self-test, else
 * node:crypto when it passes the same self-test, else the portable default
 * (WebCrypto or noble, chosen on first use). Decided once, synchronously,
 * when the package is imported.
 */
import { portableEd25519 } from './default.js'
import { nodeCryptoPassesSelfTest, nodeEd25519 } from './nodecrypto.node.js'
import { createSodiumEd25519, loadSodiumNative, sodiumPassesSelfTest, type SodiumBinding } from './sodium.node.js'
import type { Ed25519 } from './types.js'

/** Options of {@link selectNodeEd25519}; the defaults are what the package itself uses. */
export interface NodeEd25519Options {
  /**
   * Loads the libsodium binding; throws where it cannot (default:
   * `require('sodium-native')`).
   */
  loadSodium?: () => SodiumBinding
  /**
   * The environment to read `ENGRAM_NO_SODIUM` from (default `process.env`):
   * set to anything but `''` or `'0'`, libsodium is not loaded at all.
   */
  env?: Readonly<Record<string, string | undefined>>
}

/** Whether `ENGRAM_NO_SODIUM` asks to skip libsodium. */
const sodiumDisabled = (env: Readonly<Record<string, string | undefined>>): boolean => {
  const value = env.ENGRAM_NO_SODIUM
  return value !== undefined && value !== '' && value !== '0'
}

/** The libsodium implementation, or undefined where it cannot load or fails its self-test. */
export function trySodiumEd25519(load: () => SodiumBinding = loadSodiumNative): Ed25519 | undefined {
  let sodium: SodiumBinding
  try {
    sodium = load()
  } catch {
    return undefined // not installed (an optional dependency), or no binary for this platform
  }
  return sodiumPassesSelfTest(sodium) ? createSodiumEd25519(sodium) : undefined
}

/**
 * The fastest Ed25519 implementation that works here: libsodium, then
 * node:crypto, then the portable default. Each native candidate must pass
 * the known-answer self-test (RFC 8032 TEST 1 and the DECISIONS 19
 * verdicts on mixed-order signatures) to be chosen.
 */
export function selectNodeEd25519(options: NodeEd25519Options = {}): Ed25519 {
  if (!sodiumDisabled(options.env ?? process.env)) {
    const sodium = trySodiumEd25519(options.loadSodium)
    if (sodium !== undefined) return sodium
  }
  return nodeCryptoPassesSelfTest() ? nodeEd25519 : portableEd25519
}
