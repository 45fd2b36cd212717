/**
 * @module
 * Argon2id (RFC 9106), version 0x13, with parameter checks. Two engines
 * give identical output: `hash-wasm` (WebAssembly shipped inside the npm
 * package; about 3× faster at the defaults, so it is used by default) and
 * `@noble/hashes` (pure JS; the fallback where WebAssembly cannot run, for
 * the empty password, which `hash-wasm` refuses, and the reference in tests).
 */
import { argon2idAsync } from '@noble/hashes/argon2.js'
import { abytes, aint } from '../_assert.js'

/** Argon2id cost parameters. */
export interface Argon2Params {
  /** Memory in KiB (at least 8 × `p`). */
  m: number
  /** Iterations (passes over memory). */
  t: number
  /** Lanes (parallelism degree). */
  p: number
}

/** DECISIONS 10 (the argon2 crate's defaults): 19 MiB, 2 passes, 1 lane. */
export const DEFAULT_ARGON2: Readonly<Argon2Params> = Object.freeze({ m: 19456, t: 2, p: 1 })

/**
 * Upper bounds on parameters, checked before any memory is allocated, so a
 * hostile PHC string or argument cannot ask for gigabytes or hours:
 * 256 MiB, 16 passes, 16 lanes.
 */
export const ARGON2_LIMITS: Readonly<{ maxM: number; maxT: number; maxP: number }> = Object.freeze({
  maxM: 262144,
  maxT: 16,
  maxP: 16,
})

/** Which Argon2id engine to run. */
export type Argon2Implementation = 'hash-wasm' | 'noble'

/**
 * @internal Checks `params` against RFC 9106 §3.1 and {@link ARGON2_LIMITS}.
 * @throws TypeError / RangeError naming the bad field.
 */
export function checkArgon2Params(params: unknown): Argon2Params {
  if (typeof params !== 'object' || params === null) throw new TypeError('Argon2 params must be an object { m, t, p }')
  const { m, t, p } = params as Record<string, unknown>
  const lanes = aint(p, 1, ARGON2_LIMITS.maxP, 'params.p')
  return { m: aint(m, 8 * lanes, ARGON2_LIMITS.maxM, 'params.m'), t: aint(t, 1, ARGON2_LIMITS.maxT, 'params.t'), p: lanes }
}

type HashWasm = typeof import('hash-wasm')
let hashWasm: Promise<HashWasm | undefined> | undefined

// Loaded on first use (it is ~270 KB with the WASM inlined); undefined when
// this runtime cannot load or compile it (e.g. a CSP without wasm-eval).
function loadHashWasm(): Promise<HashWasm | undefined> {
  hashWasm ??= import('hash-wasm').catch(() => undefined)
  return hashWasm
}

/**
 * Raw Argon2id: `dkLen` bytes from `password` and `salt`.
 * @param options.implementation `'hash-wasm'` (default; falls back to noble
 *   when WebAssembly is unavailable or the password is empty) or `'noble'`.
 * @throws TypeError / RangeError on a non-byte password or salt, a salt shorter
 *   than 8 bytes, `dkLen` outside 4…1024, or parameters outside RFC 9106 / {@link ARGON2_LIMITS}.
 * @example await argon2id(utf8Encode('pw'), randomBytes(16), DEFAULT_ARGON2, { dkLen: 32 })
 */
export async function argon2id(
  password: Uint8Array,
  salt: Uint8Array,
  params: Argon2Params = DEFAULT_ARGON2,
  options: { dkLen?: number; implementation?: Argon2Implementation } = {},
): Promise<Uint8Array> {
  abytes(password, undefined, 'password')
  abytes(salt, undefined, 'salt')
  if (salt.length < 8 || salt.length > 1024) throw new RangeError(`salt must be 8 to 1024 bytes, got ${salt.length}`)
  const { m, t, p } = checkArgon2Params(params)
  const dkLen = aint(options.dkLen ?? 32, 4, 1024, 'dkLen')
  const implementation = options.implementation ?? 'hash-wasm'
  if (implementation !== 'hash-wasm' && implementation !== 'noble')
    throw new TypeError(`unknown Argon2 implementation ${String(implementation)}`)
  if (implementation === 'hash-wasm' && password.length > 0) {
    const hw = await loadHashWasm()
    if (hw !== undefined) {
      try {
        return await hw.argon2id({
          password,
          salt,
          iterations: t,
          parallelism: p,
          memorySize: m,
          hashLength: dkLen,
          outputType: 'binary',
        })
      } catch {
        // Parameters were checked above, so a failure here is the runtime
        // (no WebAssembly, no memory for it): the pure-JS engine still works.
        hashWasm = Promise.resolve(undefined)
      }
    }
  }
  return argon2idAsync(password, salt, { m, t, p, dkLen })
}
