/**
 * @module
 * The HTTP transport (Node): one route, `POST /engram/v1/sync`, JSON in and
 * out. Bodies over 16 MiB → 413; malformed JSON or an unknown type → 400;
 * another protocol version → 400 `PROTOCOL_MISMATCH`; error bodies are
 * `{ error: { code, message } }`. The client uses one keep-alive agent,
 * with connect and total timeouts (`PEER_UNREACHABLE`). The server caps
 * header and request time and the requests in flight per peer (503), and
 * `close()` ends every socket. CORS is opt-in: the server answers
 * preflights and adds `access-control-allow-origin` only for the origins in
 * `allowedOrigins` (none by default), and refuses (403 `UNAUTHORIZED`) a
 * request whose `Origin` is neither allowed nor the server's own. With a
 * `fetch` option, the client side goes through {@link FetchTransport}.
 */
import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { BadRequestError, BusyError, PayloadTooLargeError, PeerUnreachableError, SyncError, UnauthorizedError } from '../errors.js'
import { MAX_MESSAGE_BYTES } from '../protocol.js'
import { FetchTransport } from './fetch.js'
import { decodeReply, formatAddress, parseAddress, STATUS, SYNC_PATH, type HttpOptions } from './http-common.js'
import { errorBody } from './inproc.js'
import type { RequestHandler, Transport, TransportServer } from './types.js'

export { SYNC_PATH }

/** Options of {@link HttpTransport}. */
export type HttpTransportOptions = HttpOptions

/** Checks and normalises `allowedOrigins` (an origin is `scheme://host[:port]`, lower case, no path). */
export function checkOrigins(origins: readonly string[] | undefined): Set<string> {
  const out = new Set<string>()
  if (origins === undefined) return out
  if (!Array.isArray(origins)) throw new TypeError('allowedOrigins must be an array of origins')
  for (const o of origins) {
    if (o === '*') {
      out.add(o)
      continue
    }
    if (typeof o !== 'string' || !/^[a-z][a-z0-9+.-]*:\/\/(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/i.test(o))
      throw new TypeError(`allowedOrigins: ${JSON.stringify(o)?.slice(0, 80)} is not an origin (scheme://host[:port], no path)`)
    out.add(o.toLowerCase())
  }
  return out
}

/** A reused keep-alive socket turned out closed before any reply (retried once). */
class StaleSocketError extends PeerUnreachableError {
  constructor(address: string) {
    super(`${address}: connection closed by the peer`)
  }
}

export class HttpTransport implements Transport {
  readonly #agent: Agent
  readonly #origins: Set<string>
  readonly #fetchClient: FetchTransport | undefined
  readonly #connectTimeoutMs: number
  readonly #requestTimeoutMs: number
  readonly #maxInFlight: number
  readonly #onExchange: HttpTransportOptions['onExchange']
  readonly #controllers = new Set<AbortController>()

  constructor(options: HttpTransportOptions = {}) {
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 5_000
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 60_000
    this.#maxInFlight = options.maxInFlightPerPeer ?? 16
    this.#onExchange = options.onExchange
    this.#origins = checkOrigins(options.allowedOrigins)
    this.#fetchClient =
      options.fetch === undefined ? undefined : new FetchTransport({ fetch: options.fetch, requestTimeoutMs: this.#requestTimeoutMs, onExchange: options.onExchange })
    this.#agent = new Agent({ keepAlive: true, maxSockets: 8, timeout: this.#requestTimeoutMs })
  }

  handles(address: string): boolean {
    return parseAddress(address) !== undefined || (this.#fetchClient?.handles(address) ?? false)
  }

  async listen(address: string, handler: RequestHandler): Promise<TransportServer> {
    const parsed = parseAddress(address)
    if (!parsed) throw new TypeError(`an HTTP address is "host:port", not ${JSON.stringify(address)}`)
    const sockets = new Set<Socket>()
    const inFlight = new Map<string, number>()
    const server: Server = createServer((req, res) => void this.#serve(req, res, handler, inFlight))
    server.headersTimeout = 10_000
    server.requestTimeout = this.#requestTimeoutMs
    server.keepAliveTimeout = 5_000
    server.on('connection', (socket: Socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
    })
    server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n')
      else socket.destroy()
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(parsed.port, parsed.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    const bound = server.address()
    const port = typeof bound === 'object' && bound !== null ? bound.port : parsed.port
    return {
      address: formatAddress(parsed.host, port),
      close: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve())
          for (const s of sockets) s.destroy()
          server.closeAllConnections?.()
        }),
    }
  }

  async #serve(req: IncomingMessage, res: ServerResponse, handler: RequestHandler, inFlight: Map<string, number>): Promise<void> {
    const remote = `${req.socket.remoteAddress ?? '?'}`
    // CORS (opt-in): an Origin header is a browser page; only allowed origins get the CORS headers.
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin.toLowerCase() : undefined
    const allowed = origin !== undefined && (this.#origins.has('*') || this.#origins.has(origin))
    const cors: Record<string, string> = allowed ? { 'access-control-allow-origin': this.#origins.has('*') ? '*' : origin!, vary: 'Origin' } : {}
    const send = (status: number, body: object): void => {
      if (res.headersSent || res.destroyed) return
      const text = JSON.stringify(body)
      const headers: Record<string, string | number> = { ...cors, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }
      if (status === 413) headers.connection = 'close'
      res.writeHead(status, headers)
      res.end(text)
    }
    const fail = (err: unknown): void => {
      const body = errorBody(err)
      send(STATUS[body.code] ?? 422, { error: body })
    }
    const onRoute = (req.url ?? '').split('?')[0] === SYNC_PATH
    if (onRoute && req.method === 'OPTIONS') {
      req.resume()
      if (!allowed) return fail(new UnauthorizedError(`origin ${JSON.stringify(origin ?? null).slice(0, 80)} is not allowed`))
      res.writeHead(204, {
        ...cors,
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': 'content-type',
        'access-control-max-age': '600',
        'content-length': 0,
      })
      res.end()
      return
    }
    if (req.method !== 'POST' || !onRoute) {
      req.resume()
      send(404, { error: { code: 'BAD_REQUEST', message: `only POST ${SYNC_PATH} is served` } })
      return
    }
    // A page of another origin that was not allowed: refused before any work (a page of this server's own origin is fine).
    if (origin !== undefined && !allowed && origin !== `http://${String(req.headers.host ?? '').toLowerCase()}`) {
      req.resume()
      fail(new UnauthorizedError(`origin ${JSON.stringify(origin).slice(0, 80)} is not allowed`))
      return
    }
    const declared = Number(req.headers['content-length'] ?? 0)
    if (declared > MAX_MESSAGE_BYTES) {
      fail(new PayloadTooLargeError())
      req.resume()
      return
    }
    const count = inFlight.get(remote) ?? 0
    if (count >= this.#maxInFlight) {
      req.resume()
      fail(new BusyError())
      return
    }
    inFlight.set(remote, count + 1)
    try {
      const chunks: Buffer[] = []
      let size = 0
      let tooLarge = false
      for await (const chunk of req as AsyncIterable<Buffer>) {
        size += chunk.length
        if (size > MAX_MESSAGE_BYTES) {
          tooLarge = true
          break
        }
        chunks.push(chunk)
      }
      if (tooLarge) {
        fail(new PayloadTooLargeError())
        req.resume()
        return
      }
      let body: unknown
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      } catch {
        fail(new BadRequestError('the body is not JSON'))
        return
      }
      let reply: object
      try {
        reply = await handler(body, { remote })
      } catch (err) {
        fail(err)
        return
      }
      const text = JSON.stringify(reply)
      if (Buffer.byteLength(text) > MAX_MESSAGE_BYTES) {
        fail(new PayloadTooLargeError('response over 16 MiB'))
        return
      }
      send(200, reply)
    } catch (err) {
      fail(err)
    } finally {
      const left = (inFlight.get(remote) ?? 1) - 1
      if (left <= 0) inFlight.delete(remote)
      else inFlight.set(remote, left)
    }
  }

  async request(address: string, message: object, signal: AbortSignal): Promise<unknown> {
    if (this.#fetchClient) return this.#fetchClient.request(address, message, signal)
    try {
      return await this.#request(address, message, signal)
    } catch (err) {
      // A pooled keep-alive socket the server had closed: the request never reached it; once more on a new socket.
      if (err instanceof StaleSocketError && !signal.aborted) return this.#request(address, message, signal)
      throw err
    }
  }

  #request(address: string, message: object, signal: AbortSignal): Promise<unknown> {
    const parsed = parseAddress(address)
    if (!parsed) return Promise.reject(new TypeError(`an HTTP address is "host:port", not ${JSON.stringify(address)}`))
    const body = Buffer.from(JSON.stringify(message), 'utf8')
    if (body.length > MAX_MESSAGE_BYTES) return Promise.reject(new PayloadTooLargeError('request over 16 MiB'))
    const controller = new AbortController()
    const onAbort = (): void => controller.abort()
    signal.addEventListener('abort', onAbort)
    this.#controllers.add(controller)
    return new Promise<unknown>((resolve, reject) => {
      let settled = false
      let gotResponse = false
      const done = (fn: () => void): void => {
        if (settled) return
        settled = true
        clearTimeout(total)
        clearTimeout(connect)
        signal.removeEventListener('abort', onAbort)
        this.#controllers.delete(controller)
        fn()
      }
      const unreachable = (why: string): void => done(() => reject(new PeerUnreachableError(`${address}: ${why}`)))
      const req = httpRequest(
        {
          host: parsed.host,
          port: parsed.port,
          method: 'POST',
          path: SYNC_PATH,
          agent: this.#agent,
          signal: controller.signal,
          headers: { 'content-type': 'application/json', 'content-length': body.length },
        },
        (res) => {
          gotResponse = true
          clearTimeout(connect)
          const chunks: Buffer[] = []
          let size = 0
          res.on('data', (c: Buffer) => {
            size += c.length
            if (size > MAX_MESSAGE_BYTES + 1024) {
              res.destroy()
              done(() => reject(new PayloadTooLargeError('response over 16 MiB')))
              return
            }
            chunks.push(c)
          })
          res.on('error', () => unreachable('connection lost'))
          res.on('end', () => {
            try {
              this.#onExchange?.({ address, type: String((message as { type?: unknown }).type), requestBytes: body.length, responseBytes: size })
            } catch {
              // a metrics callback never fails a request
            }
            try {
              const reply = decodeReply(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))
              done(() => resolve(reply))
            } catch (err) {
              done(() => reject(err))
            }
          })
        },
      )
      const connect = setTimeout(() => {
        if (!req.socket || req.socket.connecting) {
          controller.abort()
          unreachable('connect timeout')
        }
      }, this.#connectTimeoutMs)
      const total = setTimeout(() => {
        controller.abort()
        unreachable('timeout')
      }, this.#requestTimeoutMs)
      req.on('error', (err: Error) => {
        if (err instanceof SyncError) return done(() => reject(err))
        if (req.reusedSocket && (err as { code?: string }).code === 'ECONNRESET' && !gotResponse)
          return done(() => reject(new StaleSocketError(address)))
        unreachable(signal.aborted ? 'aborted' : err.message)
      })
      req.end(body)
    })
  }

  async close(): Promise<void> {
    await this.#fetchClient?.close()
    for (const c of this.#controllers) c.abort()
    this.#controllers.clear()
    this.#agent.destroy()
  }
}
