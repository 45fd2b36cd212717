/**
 * @module
 * The in-process transport: the same protocol, no sockets. An
 * `InProcessNetwork` connects the Syncs of one process and can simulate
 * faults — dropped messages, delays that reorder, partitions — from a seed,
 * so a failing schedule can be replayed. A dropped message fails its
 * request at once with PEER_UNREACHABLE (a dropped reply: the server did the
 * work and the client never hears), so simulations wait on no timeouts.
 */
import { utf8Encode } from '@engram/crypto'
import { errorFromWire, PeerUnreachableError, PayloadTooLargeError, SyncError, InternalError } from '../errors.js'
import { MAX_MESSAGE_BYTES } from '../protocol.js'
import type { RequestHandler, Transport, TransportServer } from './types.js'

/** Options of {@link InProcessNetwork}. */
export interface InProcessNetworkOptions {
  /** Seeds the fault schedule (default 1). */
  seed?: number
}

/** Fault settings of {@link InProcessNetwork.configure}. */
export interface FaultOptions {
  /** Probability that a message (request or reply) is dropped, 0..1. */
  dropRate?: number
  /** Each message is delivered after a random delay up to this (so messages reorder). */
  maxDelayMs?: number
}

const PREFIX = 'inproc:'

/** A simulated network joining the Syncs of one process. */
export class InProcessNetwork {
  readonly #servers = new Map<string, RequestHandler>()
  #state: number
  #dropRate = 0
  #maxDelayMs = 0
  #partitions: [Set<string>, Set<string>][] = []
  /** Messages carried so far (requests and replies), and how many were dropped. */
  readonly stats = { messages: 0, dropped: 0 }

  constructor(options: InProcessNetworkOptions = {}) {
    const seed = options.seed ?? 1
    if (!Number.isFinite(seed)) throw new TypeError('seed must be a number')
    this.#state = seed >>> 0 || 0x9e3779b9
  }

  /** A random number in [0, 1) from the seeded generator (mulberry32). */
  random(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** Sets the drop rate and delay; omitted fields keep their value. */
  configure(options: FaultOptions): void {
    if (options.dropRate !== undefined) {
      if (typeof options.dropRate !== 'number' || !(options.dropRate >= 0 && options.dropRate <= 1)) throw new RangeError('dropRate must be in [0, 1]')
      this.#dropRate = options.dropRate
    }
    if (options.maxDelayMs !== undefined) {
      if (typeof options.maxDelayMs !== 'number' || !(options.maxDelayMs >= 0)) throw new RangeError('maxDelayMs must be ≥ 0')
      this.#maxDelayMs = options.maxDelayMs
    }
  }

  /** Cuts every message between an address of `a` and one of `b` (both ways) until {@link heal}. */
  partition(a: readonly string[], b: readonly string[]): void {
    this.#partitions.push([new Set(a), new Set(b)])
  }

  /** Removes every partition. */
  heal(): void {
    this.#partitions = []
  }

  #cut(from: string | undefined, to: string): boolean {
    if (from === undefined) return false
    return this.#partitions.some(([a, b]) => (a.has(from) && b.has(to)) || (b.has(from) && a.has(to)))
  }

  async #delay(): Promise<void> {
    if (this.#maxDelayMs <= 0) return
    const ms = this.random() * this.#maxDelayMs
    await new Promise((r) => setTimeout(r, ms))
  }

  /** @internal */
  listen(address: string, handler: RequestHandler): void {
    if (this.#servers.has(address)) throw new SyncError('SERVER_RUNNING', `${address} is in use on this network`)
    this.#servers.set(address, handler)
  }

  /** @internal */
  unlisten(address: string, handler: RequestHandler): void {
    if (this.#servers.get(address) === handler) this.#servers.delete(address)
  }

  /** @internal Carries one request from `from` (the sender's own address, if it serves) to `to`. */
  async send(from: string | undefined, to: string, message: object, signal: AbortSignal): Promise<unknown> {
    const text = JSON.stringify(message)
    if (utf8Encode(text).length > MAX_MESSAGE_BYTES) throw new PayloadTooLargeError('request over 16 MiB')
    this.stats.messages++
    if (this.random() < this.#dropRate) {
      this.stats.dropped++
      throw new PeerUnreachableError(`${to}: message dropped`)
    }
    await this.#delay()
    if (signal.aborted) throw new PeerUnreachableError(`${to}: aborted`)
    const handler = this.#servers.get(to)
    if (handler === undefined || this.#cut(from, to)) throw new PeerUnreachableError(`${to}: no server reachable there`)
    let reply: unknown
    try {
      reply = await handler(JSON.parse(text), { remote: from ?? 'inproc:anonymous' })
    } catch (err) {
      reply = { error: errorBody(err) }
    }
    const replyText = JSON.stringify(reply)
    this.stats.messages++
    if (this.random() < this.#dropRate) {
      this.stats.dropped++
      throw new PeerUnreachableError(`${to}: reply dropped`)
    }
    await this.#delay()
    if (signal.aborted) throw new PeerUnreachableError(`${to}: aborted`)
    if (this.#cut(from, to)) throw new PeerUnreachableError(`${to}: partitioned`)
    const parsed = JSON.parse(replyText) as { error?: { code?: unknown; message?: unknown; requestId?: unknown } }
    if (parsed !== null && typeof parsed === 'object' && 'error' in parsed && parsed.error)
      throw errorFromWire(parsed.error.code, parsed.error.message, parsed.error)
    return parsed
  }
}

/** The error body of a reply: a typed error passes its code and message; anything else is INTERNAL. */
export function errorBody(err: unknown): { code: string; message: string; requestId?: string } {
  if (err instanceof SyncError || (err instanceof Error && typeof (err as { code?: unknown }).code === 'string' && err.name !== 'TypeError')) {
    const e = err as SyncError & { requestId?: string }
    return { code: e.code, message: e.message, ...(typeof e.requestId === 'string' ? { requestId: e.requestId } : {}) }
  }
  const internal = new InternalError()
  return { code: internal.code, message: internal.message }
}

/** The in-process transport of one Sync. */
export class InProcessTransport implements Transport {
  readonly #network: InProcessNetwork
  #address: string | undefined

  constructor(network: InProcessNetwork) {
    if (!(network instanceof InProcessNetwork)) throw new TypeError('enableInProcessTransport: network must be an InProcessNetwork')
    this.#network = network
  }

  handles(address: string): boolean {
    return address.startsWith(PREFIX)
  }

  async listen(address: string, handler: RequestHandler): Promise<TransportServer> {
    if (!this.handles(address) || address.length === PREFIX.length) throw new TypeError(`an in-process address is "inproc:<name>", not ${JSON.stringify(address)}`)
    this.#network.listen(address, handler)
    this.#address = address
    return {
      address,
      close: async () => {
        this.#network.unlisten(address, handler)
        if (this.#address === address) this.#address = undefined
      },
    }
  }

  async request(address: string, message: object, signal: AbortSignal): Promise<unknown> {
    return this.#network.send(this.#address, address, message, signal)
  }

  async close(): Promise<void> {}
}
