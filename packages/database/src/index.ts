/**
 * @module
 * @engram/database: the engine of Engram. Databases of signed,
 * content-addressed entries in a Merkle-DAG; each named store is a CRDT
 * (DocStore, Table, settings, custom types); auth lives in the settings.
 */
export {
  EngramError,
  EntryNotFoundError,
  InvalidEntryError,
  TxnClosedError,
  UnauthorizedError,
  TypeMismatchError,
  InvalidTipError,
  ReadOnlyError,
  DatabaseNotFoundError,
  EntryNotInDatabaseError,
  KeyExistsError,
  KeyNotFoundError,
  InvalidSettingsError,
  StoreTypeExistsError,
  InvalidStoreNameError,
} from './errors.js'
export { MAX_NAME_LENGTH } from './store/names.js'
export {
  Doc,
  List,
  CorruptDataError,
  InvalidValueError,
  MAX_DEPTH,
  MAX_POSITION_STEPS,
  MAX_POSITION_EXPONENT,
  MAX_POSITION_HEX_DIGITS,
  type JsonValue,
} from './crdt/index.js'
export {
  Permission,
  WILDCARD,
  MAX_DELEGATION_DEPTH,
  type PermissionBounds,
  type AuthKey,
  type DelegationRef,
  type SigKeyMatch,
} from './auth/index.js'
export {
  EntryBuilder,
  signEntry,
  verifyEntrySignature,
  checkIncomingEntry,
  encodeEntry,
  signingBytes,
  entryId,
  validateEntryShape,
  validateEntryRules,
  isRootEntry,
  type Entry,
  type Id,
  type SigInfo,
  type SigKey,
  type DelegationStep,
  type VerificationStatus,
} from './entry/index.js'
export {
  Store,
  DocStore,
  Table,
  SettingsStore,
  docCrdt,
  registerStoreType,
  getStoreType,
  listStoreTypes,
  type StoreClass,
  type StoreContext,
  type StoreCrdt,
} from './store/index.js'
export {
  Engine,
  Database,
  Transaction,
  WriteHooks,
  type EngineOptions,
  type Signer,
  type WriteEvent,
  type WriteListener,
  type WriteSource,
  type ReceiveInput,
  type ReceiveOptions,
  type ReceiveResult,
} from './database/index.js'
