/** MongoDB operational stores for tests: a fresh database per test on a real server, dropped afterwards. */
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { openMongoOperationalStore, type MongoStoreOptions, type OperationalStore } from '../../src/stores/operational';

export interface FreshMongoStore {
  readonly store: OperationalStore;
  readonly database: string;
  /** Closes the store and drops its database. */
  dispose(): Promise<void>;
}

export async function openFreshMongoStore(
  uri: string,
  options: Omit<MongoStoreOptions, 'uri' | 'database'> = {},
): Promise<FreshMongoStore> {
  const database = `rateline_test_${randomUUID().replaceAll('-', '')}`;
  const store = await openMongoOperationalStore({ uri, database, ...options });
  return {
    store,
    database,
    async dispose() {
      await store.close();
      const client = new MongoClient(uri);
      try {
        await client.db(database).dropDatabase();
      } finally {
        await client.close();
      }
    },
  };
}
