/**
 * @module
 * The HTTP client transport on `fetch` (browsers, and any runtime with
 * `fetch`): the same route and messages as the Node transport. It dials
 * `host:port` (plain `http://`) and `http(s)://host[:port]` origins. It
 * cannot serve: a browser page cannot listen, so `startServer` on it →
 * `NO_TRANSPORT`. No answer, a network error or the timeout →
 * `PEER_UNREACHABLE`; an error reply → its typed error.
 */
import { utf8Encode } from '@engram/crypto'
import { NoTransportError, PayloadTooLargeError, PeerUnreachableError, SyncError } from '../errors.js'
import { MAX_MESSAGE_BYTES } from '../protocol.js'
import { decodeReply, syncUrl, type HttpOptions } from './http-common.js'
import type { RequestHandler, Transport, TransportServer } from './types.js'

/** Options of {@link FetchTransport}. */
export type FetchTransportOptions = Pick<HttpOptions, 'requestTimeoutMs' | 'fetch' | 'onExchange'>

/** A client-only HTTP transport on `fetch`. */
export class FetchTransport implements Transport {
  readonly #requestTimeoutMs: number
  readonly #fetch: typeof globalThis.fetch
  readonly #onExchange: FetchTransportOptions['onExchange']
  readonly #controllers = new Set<AbortController>()

  constructor(options: FetchTransportOptions = {}) {
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 60_000
    const f = options.fetch ?? (globalThis as { fetch?: typeof globalThis.fetch }).fetch
    if (typeof f !== 'function') throw new NoTransportError('the HTTP client needs fetch, and this runtime has none')
    this.#fetch = f === (globalThis as { fetch?: unknown }).fetch ? f.bind(globalThis) : f // a browser's fetch needs its window as `this`
    this.#onExchange = options.onExchange
  }

  handles(address: string): boolean {
    return syncUrl(address) !== undefined
  }

  async listen(address: string, _handler: RequestHandler): Promise<TransportServer> {
    throw new NoTransportError(`cannot serve ${JSON.stringify(address).slice(0, 80)}: the fetch transport is a client only (a browser cannot listen)`)
  }

  async request(address: string, message: object, signal: AbortSignal): Promise<unknown> {
    const url = syncUrl(address)
    if (url === undefined) throw new TypeError(`an HTTP address is "host:port" or "http(s)://host[:port]", not ${JSON.stringify(address)}`)
    const text = JSON.stringify(message)
    const requestBytes = utf8Encode(text).length
    if (requestBytes > MAX_MESSAGE_BYTES) throw new PayloadTooLargeError('request over 16 MiB')
    const controller = new AbortController()
    let timedOut = false
    const onAbort = (): void => controller.abort()
    if (signal.aborted) throw new PeerUnreachableError(`${address}: aborted`)
    signal.addEventListener('abort', onAbort)
    const timer = setTimeout(() => {
      timedOut = true
      controller.abort()
    }, this.#requestTimeoutMs)
    this.#controllers.add(controller)
    try {
      let status: number
      let bytes: Uint8Array
      const send = (): Promise<Response> =>
        this.#fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: text,
          signal: controller.signal,
          credentials: 'omit',
          cache: 'no-store',
        })
      try {
        let res: Response
        try {
          res = await send()
        } catch (err) {
          // Node's fetch reuses a pooled keep-alive socket that the server had closed (a restarted
          // server): the request never got an answer on it; once more, on a new socket. (Browsers retry this themselves.)
          if (timedOut || signal.aborted || !staleSocket(err)) throw err
          res = await send()
        }
        status = res.status
        bytes = await readCapped(res, MAX_MESSAGE_BYTES + 1024)
      } catch (err) {
        if (err instanceof SyncError) throw err
        const why = timedOut ? 'timeout' : signal.aborted ? 'aborted' : `no answer (${err instanceof Error ? err.message.slice(0, 200) : 'network error'})`
        throw new PeerUnreachableError(`${address}: ${why}`)
      }
      try {
        this.#onExchange?.({ address, type: String((message as { type?: unknown }).type), requestBytes, responseBytes: bytes.length })
      } catch {
        // a metrics callback never fails a request
      }
      return decodeReply(status, new TextDecoder().decode(bytes))
    } finally {
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      this.#controllers.delete(controller)
    }
  }

  async close(): Promise<void> {
    for (const c of this.#controllers) c.abort()
    this.#controllers.clear()
  }
}

/** A failure of Node's fetch on a socket the peer had closed (no answer came on it). */
function staleSocket(err: unknown): boolean {
  const code = (err as { cause?: { code?: unknown } } | null)?.cause?.code
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE'
}

/** Reads a response body, refusing (PAYLOAD_TOO_LARGE) one over `limit` bytes. */
async function readCapped(res: Response, limit: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? 0)
  if (declared > limit) {
    await res.body?.cancel().catch(() => {})
    throw new PayloadTooLargeError('response over 16 MiB')
  }
  if (!res.body) return new Uint8Array(await res.arrayBuffer())
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.length
    if (size > limit) {
      await reader.cancel().catch(() => {})
      throw new PayloadTooLargeError('response over 16 MiB')
    }
    chunks.push(value)
  }
  const out = new Uint8Array(size)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  return out
}
