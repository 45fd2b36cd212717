/**
 * @module
 * The Node entry of `@engram/sync`: everything in the portable entry, plus
 * the HTTP transport behind `sync.enableHttpTransport()`.
 */
import { setHttpTransportFactory } from './sync.js'
import { HttpTransport } from './transport/http.node.js'

setHttpTransportFactory((options) => new HttpTransport(options))

export * from './index.js'
export { HttpTransport, type HttpTransportOptions } from './transport/http.node.js'
