/**
 * The smallest possible backend: only the required primitives over Maps, every
 * graph query from AbstractBackend's shared implementation. Running the kit on
 * it checks the shared algorithms on their own (MemoryBackend overrides some).
 */
import {
  AbstractBackend,
  EntryNotFoundError,
  assertStatus,
  checkPut,
  cloneEntry,
  entryTree,
  isRootEntry,
  type Entry,
  type Id,
  type VerificationStatus,
} from '../src/index.js'

export class MapBackend extends AbstractBackend {
  private readonly entries = new Map<Id, { entry: Entry; status: VerificationStatus }>()
  private readonly keys = new Map<string, Uint8Array>()
  private readonly meta = new Map<string, string>()

  async put(id: Id, entry: Entry, status: VerificationStatus): Promise<void> {
    const checked = checkPut(id, entry, status)
    if (!this.entries.has(id)) this.entries.set(id, { entry: checked, status })
  }
  private rec(id: Id) {
    if (typeof id !== 'string') throw new TypeError('id must be a string')
    const r = this.entries.get(id)
    if (!r) throw new EntryNotFoundError(id)
    return r
  }
  async get(id: Id) {
    return cloneEntry(this.rec(id).entry)
  }
  async has(id: Id) {
    if (typeof id !== 'string') throw new TypeError('id must be a string')
    return this.entries.has(id)
  }
  async getStatus(id: Id) {
    return this.rec(id).status
  }
  async setStatus(id: Id, status: VerificationStatus) {
    assertStatus(status)
    this.rec(id).status = status
  }
  async idsByStatus(status: VerificationStatus) {
    assertStatus(status)
    return [...this.entries].filter(([, r]) => r.status === status).map(([id]) => id).sort()
  }
  async treeEntryIds(tree: Id) {
    if (typeof tree !== 'string') throw new TypeError('tree must be a string')
    return [...this.entries].filter(([id, r]) => entryTree(id, r.entry) === tree).map(([id]) => id)
  }
  async rootIds() {
    return [...this.entries].filter(([, r]) => isRootEntry(r.entry)).map(([id]) => id).sort()
  }
  async putLocalKey(name: string, key: Uint8Array) {
    if (!(key instanceof Uint8Array)) throw new TypeError('key must be a Uint8Array')
    this.keys.set(name, key.slice())
  }
  async getLocalKey(name: string) {
    return this.keys.get(name)?.slice()
  }
  async listLocalKeys() {
    return [...this.keys.keys()].sort()
  }
  async deleteLocalKey(name: string) {
    this.keys.delete(name)
  }
  async getMetadata(key: string) {
    return this.meta.get(key)
  }
  async setMetadata(key: string, value: string) {
    if (typeof value !== 'string') throw new TypeError('value must be a string')
    this.meta.set(key, value)
  }
}
