// A key/value store on the `checkpoints` table, for adapter state that must survive restarts
// (the Matrix sync token): a restart neither replays nor misses events.
import { eq } from 'drizzle-orm';
import type { Db } from '../db/create-db.js';
import { checkpoints } from '../db/schema.js';

export function checkpointStore(db: Db, prefix: string) {
  return {
    async get(key: string): Promise<string | null> {
      const [row] = await db.select().from(checkpoints).where(eq(checkpoints.key, `${prefix}${key}`));
      const value = row?.value.value;
      return typeof value === 'string' ? value : null;
    },
    async set(key: string, value: string): Promise<void> {
      await db
        .insert(checkpoints)
        .values({ key: `${prefix}${key}`, value: { value } })
        .onConflictDoUpdate({ target: checkpoints.key, set: { value: { value }, updatedAt: new Date() } });
    },
  };
}
