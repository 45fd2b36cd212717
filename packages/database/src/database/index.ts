/**
 * @module
 * The engine, databases, transactions and write hooks.
 */
export { Engine, type EngineOptions } from './engine.js'
export { Database } from './database.js'
export { Transaction, type Signer } from './transaction.js'
export { WriteHooks, type WriteEvent, type WriteListener, type WriteSource } from './hooks.js'
export type { ReceiveInput, ReceiveOptions, ReceiveResult } from './receive.js'
