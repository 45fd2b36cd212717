export { KeyManager, type ProtectedKey } from './key-manager.js'
export { parseKeyRow, compareKeyRows, defaultKeyRow } from './key-row.js'
