/**
 * The peer to beat: Jazz's `cojson` doing the same sequential one-key writes
 * into a CoMap on a local node (an account, a Group, a CoMap; no peers, no
 * storage, no sync). Each `map.set` is one cojson transaction: appended to
 * the session log, hashed (BLAKE3) and signed (Ed25519) by the native core,
 * and — with the default "private" privacy — encrypted with the group key.
 *
 * cojson ships three cores: N-API (`cojson-core-napi`, a prebuilt binary per
 * platform), WebAssembly (`cojson-core-wasm`) and React Native. We take the
 * N-API one (what a Node app gets) and fall back to WASM; the figures name
 * the core that ran.
 */
import type { LocalNode, RawCoMap } from 'cojson'
import { medianMs } from './measure.js'

type CryptoProvider = Parameters<typeof LocalNode.withNewlyCreatedAccount>[0]['crypto']
type Privacy = 'private' | 'trusting'

async function loadCrypto(): Promise<{ crypto: CryptoProvider; note?: string }> {
  try {
    const { NapiCrypto } = await import('cojson/crypto/NapiCrypto')
    return { crypto: await NapiCrypto.create() }
  } catch (err) {
    const { WasmCrypto } = await import('cojson/crypto/WasmCrypto')
    return { crypto: await WasmCrypto.create(), note: `N-API core failed, WASM used: ${String(err)}` }
  }
}

async function newMap(crypto: CryptoProvider): Promise<{ node: LocalNode; map: RawCoMap }> {
  const { LocalNode } = await import('cojson')
  const { node } = await LocalNode.withNewlyCreatedAccount({ creationProps: { name: 'bench' }, crypto })
  return { node, map: node.createGroup().createMap() }
}

/** One local cojson node with one CoMap, written in chunks so the runs can interleave with Engram's. */
export interface CojsonSession {
  /** Which crypto core runs: `NapiCrypto` or `WasmCrypto`. */
  readonly core: string
  /** Set when the N-API core could not be used. */
  readonly note?: string
  /** `map.set('k'+i, i)` for i in [from, to); returns the elapsed ms. */
  write(from: number, to: number): Promise<number>
  /** `map.get(key)`: the first read's ms, the median of `runs` reads, and the value read. */
  read(key: string, runs: number): Promise<{ firstMs: number; medianMs: number; value: unknown }>
  /** Ops/s of `n` sequential sets with the given privacy on a fresh map of the same node kind. */
  separateRun(n: number, privacy: Privacy): Promise<number>
  close(): Promise<void>
}

/**
 * A warmed-up local cojson node (`warmup` sets on a scratch map first).
 * @throws whatever cojson throws when it cannot load or run here.
 */
export async function openCojson(warmup = 500): Promise<CojsonSession> {
  const { crypto, note } = await loadCrypto()
  const { node, map } = await newMap(crypto)
  const warm = node.createGroup().createMap()
  for (let i = 0; i < warmup; i++) warm.set('w' + i, i)

  return {
    core: crypto.constructor.name,
    ...(note ? { note } : {}),
    async write(from, to) {
      const start = performance.now()
      for (let i = from; i < to; i++) map.set('k' + i, i)
      // Anything cojson deferred to a microtask belongs to the writes.
      await Promise.resolve()
      return performance.now() - start
    },
    async read(key, runs) {
      const start = performance.now()
      const value = map.get(key)
      const firstMs = performance.now() - start
      return { firstMs, medianMs: await medianMs(() => map.get(key), runs), value }
    },
    async separateRun(n, privacy) {
      const other = await newMap(crypto)
      const start = performance.now()
      for (let i = 0; i < n; i++) other.map.set('k' + i, i, privacy)
      await Promise.resolve()
      const ops = (n * 1000) / (performance.now() - start)
      await other.node.gracefulShutdown()
      return ops
    },
    async close() {
      await node.gracefulShutdown()
    },
  }
}
