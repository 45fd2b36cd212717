/**
 * @module
 * `SettingsStore`: the database's `_settings` store (name, auth keys, any
 * other setting), reached with `txn.getSettingsStore()` or `db.getSettings()`.
 */
import type { Id } from '@engram/backend-api'
import { isId } from '@engram/crypto'
import {
  authEntries,
  authKeyToJson,
  checkAuthKey,
  checkKeyName,
  delegationToJson,
  type AuthKey,
  type DelegationRef,
} from '../auth/index.js'
import { Permission, type PermissionBounds } from '../auth/permission.js'
import type { Doc, JsonValue } from '../crdt/index.js'
import { KeyExistsError, KeyNotFoundError } from '../errors.js'
import { Store } from './base.js'
import { docCrdt } from './doc-crdt.js'
import { stagedTouches, withStagedKey } from './doc-store.js'
import { checkDatabaseName } from './names.js'

/** The reserved store name of the settings. */
export const SETTINGS_STORE = '_settings'

/**
 * The settings of a database (data-layer §4.7, API.md). Auth keys live under
 * `auth.<name>` (see the README, "Auth model"); changes are checked at
 * commit: only Admin keys may write settings, and only keys no stronger than
 * themselves (DECISIONS 7).
 */
export class SettingsStore extends Store<Doc> {
  static readonly typeId: string = 'settings:v1'
  static readonly crdt = docCrdt

  /** `settings.name`, when it is a string. */
  async getName(): Promise<string | undefined> {
    const name = await this.get('name')
    return typeof name === 'string' ? name : undefined
  }

  /**
   * Sets `settings.name`.
   * @throws InvalidSettingsError (`INVALID_SETTINGS`) for a control character or more than 255 characters; ReadOnlyError.
   */
  async setName(name: string): Promise<void> {
    if (typeof name !== 'string') throw new TypeError('name must be a string')
    checkDatabaseName(name)
    this.stage().set('name', name)
  }

  /** A setting, or `undefined`. */
  async get(key: string): Promise<JsonValue | undefined> {
    if (typeof key !== 'string') throw new TypeError('key must be a string')
    const staged = this.staged()
    const state = stagedTouches(staged, key) ? withStagedKey(await this.committed(), staged!, key) : await this.committed()
    return state.get(key)
  }

  /** A setting at a dotted path, or `undefined`. */
  async getPath(path: string): Promise<JsonValue | undefined> {
    if (typeof path !== 'string') throw new TypeError('path must be a string')
    return (await this.current()).getPath(path)
  }

  /**
   * Sets a setting (replace semantics). Setting `auth` to anything but an
   * object is refused at commit (`INVALID_SETTINGS`). @throws InvalidValueError; ReadOnlyError.
   */
  async set(key: string, value: JsonValue): Promise<void> {
    if (typeof key !== 'string') throw new TypeError('key must be a string')
    this.stage().set(key, value)
  }

  /** Deletes a setting (deleting `auth` is refused at commit). @throws ReadOnlyError. */
  async delete(key: string): Promise<void> {
    if (typeof key !== 'string') throw new TypeError('key must be a string')
    this.stage().delete(key)
  }

  /** All settings as a plain object. */
  async getAll(): Promise<{ [k: string]: JsonValue }> {
    return (await this.current()).toJSON()
  }

  /** All settings as a plain object. */
  async toJSON(): Promise<{ [k: string]: JsonValue }> {
    return (await this.current()).toJSON()
  }

  async #auth(): Promise<Doc | undefined> {
    return (await this.current()).getDoc('auth')
  }

  /**
   * Adds an auth key. `status` defaults to `'active'`. The wildcard is
   * `addKey('*', { pubkey: '*', permission })`.
   * @throws KeyExistsError (`KEY_EXISTS`) when the name is taken (whatever its status);
   * InvalidSettingsError (`INVALID_SETTINGS`) for a malformed public key or permission;
   * ReadOnlyError.
   */
  async addKey(
    name: string,
    key: { pubkey: string; permission: Permission; status?: 'active' | 'revoked' },
  ): Promise<void> {
    checkKeyName(name)
    const checked = checkAuthKey(name, key)
    const auth = await this.#auth()
    if (auth?.get(name) !== undefined) throw new KeyExistsError(name)
    this.stage().setPath(`auth.${name}`, authKeyToJson(checked))
  }

  /** Adds or replaces an auth key. @throws InvalidSettingsError; ReadOnlyError. */
  async setKey(name: string, key: AuthKey): Promise<void> {
    checkKeyName(name)
    const checked = checkAuthKey(name, key)
    this.stage().setPath(`auth.${name}`, authKeyToJson(checked))
  }

  /**
   * Marks an auth key revoked (entries it signed later are refused).
   * @throws KeyNotFoundError (`KEY_NOT_FOUND`) for an unknown name; ReadOnlyError.
   */
  async revokeKey(name: string): Promise<void> {
    checkKeyName(name)
    const key = await this.getKey(name)
    if (key === undefined) throw new KeyNotFoundError(name)
    this.stage().setPath(`auth.${name}`, authKeyToJson({ ...key, status: 'revoked' }))
  }

  /** The auth key under `name`, or `undefined` (also for a delegation or a malformed entry). */
  async getKey(name: string): Promise<AuthKey | undefined> {
    if (typeof name !== 'string') throw new TypeError('auth key name must be a string')
    const entry = authEntries(await this.#auth()).get(name)
    return entry?.kind === 'key' ? entry.key : undefined
  }

  /** Every auth key (not delegations), sorted by name. */
  async listKeys(): Promise<[string, AuthKey][]> {
    const out: [string, AuthKey][] = []
    for (const [name, entry] of authEntries(await this.#auth())) if (entry?.kind === 'key') out.push([name, entry.key])
    return out
  }

  /**
   * Delegates signing to the keys of another database: a signer presents the
   * delegation path `[{ key: name, tips: [tips of root] }, { key: <its key>, tips: null }]`
   * and gets its permission there, clamped by `bounds`.
   * @throws TypeError for malformed ids; ReadOnlyError.
   */
  async setDelegation(name: string, ref: { root: Id; tips: Id[]; bounds: PermissionBounds }): Promise<void> {
    checkKeyName(name)
    if (!isId(ref.root)) throw new TypeError('delegation root must be an entry id')
    if (!Array.isArray(ref.tips) || ref.tips.length === 0 || !ref.tips.every((t) => isId(t)))
      throw new TypeError('delegation tips must be a non-empty array of entry ids')
    const max = Permission.from(ref.bounds?.max)
    if (max === undefined) throw new TypeError('delegation bounds.max must be a Permission')
    const min = ref.bounds.min === undefined ? undefined : Permission.from(ref.bounds.min)
    if (ref.bounds.min !== undefined && min === undefined) throw new TypeError('delegation bounds.min must be a Permission')
    const value: DelegationRef = {
      delegate: { root: ref.root, tips: [...ref.tips].sort() },
      bounds: min === undefined ? { max } : { max, min },
    }
    this.stage().setPath(`auth.${name}`, delegationToJson(value))
  }

  /** The delegation under `name`, or `undefined`. */
  async getDelegation(name: string): Promise<DelegationRef | undefined> {
    const entry = authEntries(await this.#auth()).get(name)
    return entry?.kind === 'delegation' ? entry.ref : undefined
  }
}
