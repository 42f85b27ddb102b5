/*
 * Concurrent writers for the tests that prove nothing is lost: each runs on its own connection,
 * touches only its own keys (so the final value of every key is known), retries what PostgreSQL
 * cancels (deadlocks), and keeps its own record of what it committed.
 */
import pg from 'pg';

/** What a key should hold at the end, as the legacy row's values; null: deleted. */
export type Expected = Map<number, { owner: string; balance_cents: number; note: string | null } | null>;

export interface Writer {
  /** Stops after the current operation and returns the record. */
  stop(): Promise<void>;
  /** Operations committed so far. */
  committed(): number;
  /** Operations PostgreSQL cancelled (deadlock, serialization failure, lock timeout), not retried as such: the writer moves on. */
  retried(): number;
}

const RETRYABLE = new Set(['40P01', '40001', '55P03']);

/**
 * A writer of the legacy table `account` (side 'legacy') or of the modern table `ledger_account`
 * (side 'modern'): updates, inserts, deletes and key changes on its own `keys`, new keys taken from
 * `nextKey()`.
 */
export function startWriter(
  url: string,
  side: 'legacy' | 'modern',
  keys: number[],
  nextKey: () => number,
  expected: Expected,
  seed: number,
  /**
   * Each write in a transaction of this isolation level. Above READ COMMITTED the transaction reads
   * first, so that its snapshot is older than its write, as an application's is.
   */
  isolation: 'read committed' | 'repeatable read' | 'serializable' = 'read committed',
): Writer {
  let running = true;
  let count = 0;
  let retried = 0;
  let random = seed;
  const next = () => {
    random = (random * 1103515245 + 12345) % 2147483648;
    return random / 2147483648;
  };
  const live = [...keys];
  const client = new pg.Client({ connectionString: url });
  const done = (async () => {
    await client.connect();
    while (running && live.length > 0) {
      const index = Math.floor(next() * live.length);
      const key = live[index]!;
      const roll = next();
      const note = `${side}-${seed}-${count}`;
      const cents = Math.floor(next() * 1_000_000);
      let apply: () => void;
      let sql: string;
      let params: unknown[];
      if (roll < 0.6) {
        sql = side === 'legacy'
          ? 'update account set note = $2, balance_cents = $3 where id = $1'
          : 'update ledger_account set note = $2, balance = $3::numeric / 100 where account_id = $1';
        params = [key, note, cents];
        apply = () => expected.set(key, { ...expected.get(key)!, note, balance_cents: cents });
      } else if (roll < 0.75) {
        const fresh = nextKey();
        sql = side === 'legacy'
          ? 'insert into account (id, owner, balance_cents, note) values ($1, $4, $3, $2)'
          : 'insert into ledger_account (account_id, owner_name, balance, note) values ($1, $4, $3::numeric / 100, $2)';
        params = [fresh, note, cents, `new-${fresh}`];
        apply = () => {
          expected.set(fresh, { owner: `new-${fresh}`, balance_cents: cents, note });
          live.push(fresh);
        };
      } else if (roll < 0.9) {
        const fresh = nextKey();
        sql = side === 'legacy' ? 'update account set id = $2 where id = $1' : 'update ledger_account set account_id = $2 where account_id = $1';
        params = [key, fresh];
        apply = () => {
          expected.set(fresh, expected.get(key)!);
          expected.set(key, null);
          live.splice(index, 1, fresh);
        };
      } else {
        sql = side === 'legacy' ? 'delete from account where id = $1' : 'delete from ledger_account where account_id = $1';
        params = [key];
        apply = () => {
          expected.set(key, null);
          live.splice(index, 1);
        };
      }
      try {
        let result: pg.QueryResult;
        if (isolation === 'read committed') {
          result = await client.query(sql, params);
        } else {
          await client.query(`begin isolation level ${isolation}`);
          try {
            await client.query(side === 'legacy' ? 'select count(*) from account' : 'select count(*) from ledger_account');
            result = await client.query(sql, params);
            await client.query('commit');
          } catch (error) {
            await client.query('rollback');
            throw error;
          }
        }
        if (result.rowCount === 1) {
          apply();
          count++;
        } else if (side === 'legacy' || expected.get(key) === null) {
          throw new Error(`${side} writer: ${sql} touched ${result.rowCount} rows for key ${key}`);
        }
        // else: a modern row the backfill has not copied yet; nothing changed, nothing to record.
      } catch (error) {
        if (!RETRYABLE.has((error as { code?: string }).code ?? '')) throw error;
        retried++;
      }
    }
  })();
  return {
    stop: async () => {
      running = false;
      try {
        await done;
      } finally {
        await client.end();
      }
    },
    committed: () => count,
    retried: () => retried,
  };
}
