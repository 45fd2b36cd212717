/**
 * The peer to beat: Jazz's `cojson` doing the same sequential one-key writes
 * into a CoMap on a local node (an account, a Group, a CoMap; no peers, no
 * storage, no sync). Each `map.set` is one cojson transaction: it is appended
 * to the session log, hashed (BLAKE3) and signed (Ed25519) by the native core.
 *
 * cojson ships three cores: N-API (`cojson-core-napi`, a prebuilt binary per
 * platform), WebAssembly (`cojson-core-wasm`) and React Native. We try N-API
 * first (what a Node app gets) and fall back to WASM; the figure names the
 * core that ran.
 */
import { medianMs } from './measure.js'

export interface CojsonResult {
  /** Which crypto core ran: `NapiCrypto` or `WasmCrypto`. */
  core: string
  /** Sequential `map.set` per second, default privacy ("private": encrypted with the group key). */
  opsPerSec: number
  /** The same with `privacy: 'trusting'` (signed, not encrypted) — closer to what Engram does. */
  trustingOpsPerSec: number
  /** First `map.get('k500')` after the writes, ms. */
  firstReadMs: number
  /** Median of 200 `map.get('k500')`, ms. */
  readMs: number
}

type CryptoProvider = Parameters<typeof import('cojson').LocalNode.withNewlyCreatedAccount>[0]['crypto']

async function loadCrypto(): Promise<{ crypto: CryptoProvider; core: string; note?: string }> {
  try {
    const { NapiCrypto } = await import('cojson/crypto/NapiCrypto')
    const crypto = await NapiCrypto.create()
    return { crypto, core: crypto.constructor.name }
  } catch (err) {
    const { WasmCrypto } = await import('cojson/crypto/WasmCrypto')
    const crypto = await WasmCrypto.create()
    return { crypto, core: crypto.constructor.name, note: `N-API core failed: ${String(err)}` }
  }
}

async function writes(crypto: CryptoProvider, n: number, privacy: 'private' | 'trusting') {
  const { LocalNode } = await import('cojson')
  const { node } = await LocalNode.withNewlyCreatedAccount({ creationProps: { name: 'bench' }, crypto })
  const map = node.createGroup().createMap()
  // Warm-up on a separate map so the JIT has seen the write path.
  const warm = node.createGroup().createMap()
  for (let i = 0; i < 500; i++) warm.set('w' + i, i, privacy)

  const start = performance.now()
  for (let i = 0; i < n; i++) map.set('k' + i, i, privacy)
  // Anything cojson deferred to a microtask is part of the write.
  await Promise.resolve()
  const elapsed = performance.now() - start
  return { node, map, opsPerSec: (n * 1000) / elapsed }
}

/**
 * Runs `n` sequential `map.set('k'+i, i)` on a fresh local node, then reads
 * one key. Throws when cojson cannot be loaded or run here.
 */
export async function runCojson(n: number): Promise<CojsonResult & { note?: string }> {
  const { crypto, core, note } = await loadCrypto()
  const trusting = await writes(crypto, n, 'trusting')
  await trusting.node.gracefulShutdown()

  const { node, map, opsPerSec } = await writes(crypto, n, 'private')
  const t = performance.now()
  const first = map.get('k500')
  const firstReadMs = performance.now() - t
  if (first !== 500) throw new Error(`cojson read back ${String(first)} for k500, expected 500`)
  const readMs = await medianMs(() => map.get('k500'), 200)
  await node.gracefulShutdown()
  return { core, opsPerSec, trustingOpsPerSec: trusting.opsPerSec, firstReadMs, readMs, ...(note ? { note } : {}) }
}
