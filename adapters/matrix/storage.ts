// Persistence for the Matrix adapter. The core backs `KeyValueStore` with the database
// `checkpoints` table; on top of it sit matrix-bot-sdk's storage provider (sync token, filter,
// free values) and the adapter's own small records (direct-message rooms). Keys are namespaced by
// the bot's user id, so two bot accounts can share one table.
import type { IFilterInfo, IStorageProvider } from 'matrix-bot-sdk';

/** What the adapter needs from the host to survive restarts. */
export interface KeyValueStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
}

/** A store that forgets everything on restart: for tests and for `doctor`, never for `start`. */
export function memoryStore(initial: Record<string, string> = {}): KeyValueStore & { entries: Map<string, string> } {
  const entries = new Map(Object.entries(initial));
  return {
    entries,
    async get(key) {
      return entries.get(key) ?? null;
    },
    async set(key, value) {
      entries.set(key, value);
    },
  };
}

/** The key the sync token of `userId` is stored under (exported so hosts and tests can inspect it). */
export function syncTokenKey(userId: string): string {
  return `matrix:${userId}:sync_token`;
}

/**
 * matrix-bot-sdk's IStorageProvider over a KeyValueStore. The namespace (the bot's user id) is
 * only known after `whoami`, so `bind()` must be called before the SDK's `start()` reads anything.
 */
export class KeyValueStorageProvider implements IStorageProvider {
  private userId: string | undefined;

  constructor(private readonly store: KeyValueStore) {}

  bind(userId: string): void {
    this.userId = userId;
  }

  private key(name: string): string {
    if (!this.userId) throw new Error('The Matrix storage provider was used before the bot user id was known; this is a bug in the adapter (bind() must run after whoami).');
    return `matrix:${this.userId}:${name}`;
  }

  async setSyncToken(token: string | null): Promise<void> {
    // An empty string stands for "no token": the KeyValueStore has no delete.
    await this.store.set(this.key('sync_token'), token ?? '');
  }

  async getSyncToken(): Promise<string | null> {
    const token = await this.store.get(this.key('sync_token'));
    return token ? token : null;
  }

  async setFilter(filter: IFilterInfo): Promise<void> {
    await this.store.set(this.key('filter'), JSON.stringify(filter));
  }

  async getFilter(): Promise<IFilterInfo> {
    const raw = await this.store.get(this.key('filter'));
    // The SDK's own types say "IFilterInfo", but its code treats a falsy value as "none stored".
    return (raw ? JSON.parse(raw) : null) as IFilterInfo;
  }

  async storeValue(key: string, value: string): Promise<void> {
    await this.store.set(this.key(`kv:${key}`), value);
  }

  async readValue(key: string): Promise<string | null> {
    return this.store.get(this.key(`kv:${key}`));
  }
}
