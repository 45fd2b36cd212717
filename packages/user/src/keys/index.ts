export { KeyManager, type ProtectedKey } from './key-manager.js'
export { parseKeyRow, compareKeyRows, defaultKeyRow, isUsableRow } from './key-row.js'
