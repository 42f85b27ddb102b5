/** The machine and the server the figures were measured on, for the report's head. */
import os from 'node:os';
import type { BenchDatabase } from './db.js';
import { number } from './report.js';
import { seconds } from './stats.js';

export function machine(): string[] {
  const cpus = os.cpus();
  const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  return [
    `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${gib(os.totalmem())} of memory, ${os.type()} ${os.release()} (${os.arch()})`,
    `Node ${process.version}`,
    `load average at the start: ${os.loadavg().map((load) => load.toFixed(2)).join(', ')} (1, 5, 15 min): other work on the machine shares its cores`,
  ];
}

/** The server's version and the settings that matter for these figures, and the cost of a commit's flush. */
export async function postgres(database: BenchDatabase, description: string): Promise<string[]> {
  const client = await database.connect({ synchronousCommit: true });
  try {
    const { rows } = await client.query<{ name: string; setting: string }>(
      `select name, pg_catalog.current_setting(name) as setting from pg_catalog.unnest(array[
         'server_version', 'shared_buffers', 'work_mem', 'maintenance_work_mem', 'max_wal_size', 'fsync', 'max_parallel_workers_per_gather'
       ]) as name`,
    );
    const setting = (name: string) => rows.find((row) => row.name === name)?.setting ?? '?';
    // One-row commits with and without waiting for the WAL flush: what synchronous_commit = off takes out of every figure.
    await client.query('create table flush_probe (id int)');
    const commits = 200;
    const flushed = await seconds(async () => {
      for (let i = 0; i < commits; i++) await client.query('insert into flush_probe values ($1)', [i]);
    });
    await client.query('set synchronous_commit = off');
    const unflushed = await seconds(async () => {
      for (let i = 0; i < commits; i++) await client.query('insert into flush_probe values ($1)', [i]);
    });
    await client.query('drop table flush_probe');
    return [
      `PostgreSQL ${setting('server_version')}: ${description}`,
      `shared_buffers ${setting('shared_buffers')}, work_mem ${setting('work_mem')}, maintenance_work_mem ${setting('maintenance_work_mem')}, ` +
        `max_wal_size ${setting('max_wal_size')}, fsync ${setting('fsync')}, max_parallel_workers_per_gather ${setting('max_parallel_workers_per_gather')} (the server's defaults)`,
      `The benchmark's sessions set synchronous_commit = off: every variant compared commits alike, and waiting for the disk's flush ` +
        `would add the same latency to each and hide the work compared. Measured here: a one-row insert takes ` +
        `${number((flushed / commits) * 1000)} ms with the flush and ${number((unflushed / commits) * 1000)} ms without.`,
    ];
  } finally {
    await client.end();
  }
}
