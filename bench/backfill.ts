/*
 * 2. Backfill: tandem's online backfill (CALL tandem.backfill, committing per keyset batch) against
 * one offline INSERT … SELECT of the same rows into an identical table (the practical limit: one
 * statement, no locks kept, nothing else running), while a writer keeps updating random legacy rows;
 * the writer's latency during the backfill against its latency alone. Then throughput against batch
 * size on a smaller table.
 */
import type pg from 'pg';
import { count, type BenchContext } from './context.js';
import { times, type Figure, type SectionResult } from './report-types.js';
import { number } from './report.js';
import { createTables, declareBridge, FORWARD_SELECT, loadCustomers } from './schema.js';
import { settle } from './db.js';
import { seconds, summarise } from './stats.js';
import { startWriter, type Latencies } from './writer.js';

/** A legacy table of `rows` rows, an empty modern table, the bridge expanded, and an identical table for the offline copy. */
export async function preparePair(client: pg.Client, schema: string, migration: string, rows: number): Promise<void> {
  await createTables(client, schema);
  await loadCustomers(client, schema, 1, rows);
  await client.query(`create table ${schema}.client_offline (like ${schema}.client including all)`);
  await declareBridge(client, migration, schema);
  await client.query('select tandem.expand($1)', [migration]);
  await client.query('vacuum analyze');
}

/** One offline copy into the empty twin table, timed; emptied afterwards. */
export async function offlineCopy(client: pg.Client, schema: string): Promise<number> {
  const time = await seconds(() =>
    client.query(`insert into ${schema}.client_offline (client_id, first_name, last_name, email, balance) select ${FORWARD_SELECT} from ${schema}.customer as l`),
  );
  await client.query(`truncate ${schema}.client_offline`);
  return time;
}

/** A timed CALL tandem.backfill; returns the seconds and the batches' durations from the event log (ms). */
export async function timedBackfill(client: pg.Client, migration: string, batchSize: number): Promise<{ seconds: number; batchesMs: number[] }> {
  const { rows: [mark] } = await client.query<{ id: string }>('select coalesce(max(id), 0)::text as id from tandem.event_log');
  const time = await seconds(() => client.query('call tandem.backfill($1, batch_size => $2)', [migration, batchSize]));
  const { rows } = await client.query<{ ms: number }>(
    `select extract(epoch from duration) * 1000 as ms from tandem.event_log
     where event = 'backfill_batch' and migration = $1 and id > $2::bigint`,
    [migration, mark!.id],
  );
  return { seconds: time, batchesMs: rows.map((row) => Number(row.ms)) };
}

/** Back to expanded with an empty modern table, so that the next backfill copies every row again. */
export async function resetBackfill(client: pg.Client, schema: string, migration: string): Promise<void> {
  await client.query('select tandem.rollback($1)', [migration]); // backfilled → expanded
  await client.query('select tandem.rollback($1)', [migration]); // expanded → planned: sync dropped, cursor forgotten
  await client.query(`truncate ${schema}.client`);
  await client.query('select tandem.expand($1)', [migration]);
  await client.query(`vacuum analyze ${schema}.customer, ${schema}.client`);
}

/** The plan of one backfill batch, in words: whether it reads the whole legacy table for each batch. */
export async function batchPlan(client: pg.Client, migration: string, batchSize: number, middleKey: number): Promise<{ seqScan: boolean; words: string }> {
  const { rows: [statement] } = await client.query<{ text: string; legacy: string }>(
    `select tandem._shape_text('backfill', b, '{"single_row": false}') as text, b.legacy::text as legacy from tandem.bridge b where b.migration = $1`,
    [migration],
  );
  await client.query('begin');
  try {
    // A cursor in the middle of the table, planned with its values known, as EXECUTE … USING plans each batch.
    await client.query(`prepare bench_batch_plan(jsonb, int) as ${statement!.text}`);
    await client.query('set local plan_cache_mode = force_custom_plan');
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(`explain execute bench_batch_plan('[${Math.round(middleKey)}]', ${Math.round(batchSize)})`);
    const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
    const seqScan = plan.includes(`Seq Scan on ${statement!.legacy.split('.').at(-1)}`);
    return {
      seqScan,
      words: seqScan
        ? `The plan of a batch of ${count(batchSize)} (EXPLAIN, this run) joins its keys to the legacy table through a Seq Scan of the whole table: every batch reads every row, so the backfill's time grows with the square of the table's size until the planner prefers the index.`
        : `The plan of a batch of ${count(batchSize)} (EXPLAIN, this run) reads its keys through the primary key index and fetches the rows to lock by ctid.`,
    };
  } finally {
    await client.query('rollback');
  }
}

/** The same rows copied by simpler means than the backfill: what each of its parts costs. */
async function limitsOfBackfill(client: pg.Client, schema: string, rows: number, batchSize: number) {
  const columns = 'client_id, first_name, last_name, email, balance';
  // What lets a second run write nothing: only differing twins are rewritten.
  const upsert = `on conflict (client_id) do update set (first_name, last_name, email, balance) = row(excluded.first_name, excluded.last_name, excluded.email, excluded.balance)
    where (modern.first_name, modern.last_name, modern.email, modern.balance) is distinct from (excluded.first_name, excluded.last_name, excluded.email, excluded.balance)`;
  const upsertSeconds = await seconds(() =>
    client.query(`insert into ${schema}.client_offline as modern (${columns}) select ${FORWARD_SELECT} from ${schema}.customer as l ${upsert}`),
  );
  await client.query(`truncate ${schema}.client_offline`);
  const keyset = async (conflict: string) => {
    const time = await seconds(async () => {
      for (let cursor = 0; ; ) {
        const { rows: [last] } = await client.query<{ key: number | null }>({
          name: `bench_keyset_${conflict ? 'upsert' : 'insert'}`,
          text: `with copied as (
                   insert into ${schema}.client_offline as modern (${columns})
                   select ${FORWARD_SELECT} from ${schema}.customer as l where l.id > $1 order by l.id limit $2
                   ${conflict}
                   returning client_id
                 ) select max(client_id) as key from copied`,
          values: [cursor, batchSize],
        });
        if (last?.key == null) break;
        cursor = last.key;
      }
    });
    await client.query(`truncate ${schema}.client_offline`);
    return time;
  };
  const keysetSeconds = await keyset('');
  const keysetUpsertSeconds = await keyset(upsert);
  const plan = await batchPlan(client, 'bench_backfill', batchSize, rows / 2);
  return { upsertSeconds, keysetSeconds, keysetUpsertSeconds, plan: plan.words };
}

export async function backfill(context: BenchContext): Promise<SectionResult> {
  const sizes = context.sizes.backfill;
  const database = await context.server.fresh('backfill');
  const client = await database.connect();
  const writerClient = await database.connect();
  try {
    context.log(`backfill: loading ${count(sizes.rows)} rows`);
    await preparePair(client, 'bf', 'bench_backfill', sizes.rows);
    const offline: number[] = [];
    const onlineTimes: number[] = [];
    const alone: Latencies[] = [];
    const during: Latencies[] = [];
    const longestBatchMs: number[] = [];
    const medianBatchMs: number[] = [];
    const writer = { table: 'bf.customer', rows: sizes.rows, intervalMs: sizes.writerIntervalMs };
    for (let rep = 1; rep <= sizes.repetitions; rep++) {
      context.log(`backfill: repetition ${rep}/${sizes.repetitions}: offline INSERT … SELECT`);
      await settle(client);
      offline.push(await offlineCopy(client, 'bf'));
      context.log(`backfill: repetition ${rep}/${sizes.repetitions}: the writer alone for ${sizes.writerAloneSeconds} s`);
      const lone = startWriter(writerClient, writer);
      await new Promise((resolve) => setTimeout(resolve, sizes.writerAloneSeconds * 1000));
      alone.push(await lone.stop());
      context.log(`backfill: repetition ${rep}/${sizes.repetitions}: CALL tandem.backfill with the writer running`);
      const running = startWriter(writerClient, writer);
      const result = await timedBackfill(client, 'bench_backfill', sizes.batchSize);
      during.push(await running.stop());
      onlineTimes.push(result.seconds);
      longestBatchMs.push(Math.max(...result.batchesMs));
      medianBatchMs.push(summarise(result.batchesMs).median);
      await resetBackfill(client, 'bf', 'bench_backfill');
    }

    // The curve: one backfill per batch size on the same table, without the writer.
    const curve: { batchSize: number; seconds: number }[] = [];
    for (const batchSize of sizes.curveBatchSizes) {
      context.log(`backfill: batch size ${count(batchSize)}`);
      curve.push({ batchSize, seconds: (await timedBackfill(client, 'bench_backfill', batchSize)).seconds });
      await resetBackfill(client, 'bf', 'bench_backfill');
    }

    // What limits it: the same rows copied by simpler means, one run each.
    context.log('backfill: what limits it');
    const limits = await limitsOfBackfill(client, 'bf', sizes.rows, sizes.batchSize);
    const offlineRate = summarise(offline.map((time) => sizes.rows / time));
    const onlineRate = summarise(onlineTimes.map((time) => sizes.rows / time));
    const fraction = onlineRate.median / offlineRate.median;
    const stat = (values: Latencies[], pick: (l: Latencies) => number) => summarise(values.map(pick));
    const p50Alone = stat(alone, (l) => l.p50);
    const p99Alone = stat(alone, (l) => l.p99);
    const p99During = stat(during, (l) => l.p99);
    const maxDuring = stat(during, (l) => l.max);
    const longest = summarise(longestBatchMs);
    // A blocked write waits at most for the batch holding its row to commit: its latency beyond a normal write's.
    const worstBlockedMs = Math.max(...during.map((l, i) => l.max - alone[i]!.p50 - longestBatchMs[i]!));

    const ofOffline = (time: number) => `${times(sizes.rows / time / offlineRate.median)} the offline throughput`;
    const online: Figure = {
      name: `tandem backfill, batch ${count(sizes.batchSize)}, writer running`,
      unit: 'rows/s',
      summary: onlineRate,
      ratio: `${times(fraction)} the offline throughput`,
      goal: { text: 'at least 0.5× the offline throughput', met: fraction >= 0.5 },
    };
    const p50During = stat(during, (l) => l.p50);
    const figures: Figure[] = [
      { name: 'offline INSERT … SELECT (the limit)', unit: 'rows/s', summary: offlineRate, ratio: 'baseline' },
      online,
      { name: 'writer p50 latency, alone', unit: 'ms', summary: p50Alone, ratio: 'baseline' },
      { name: 'writer p50 latency, during the backfill', unit: 'ms', summary: p50During, ratio: `${times(p50During.median / p50Alone.median)} alone` },
      { name: 'writer p99 latency, alone', unit: 'ms', summary: p99Alone, ratio: 'baseline' },
      {
        name: 'writer p99 latency, during the backfill',
        unit: 'ms',
        summary: p99During,
        ratio: `${times(p99During.median / p99Alone.median)} alone`,
        goal: { text: 'p99 under 5× alone', met: p99During.median / p99Alone.median < 5 },
      },
      { name: 'longest backfill batch', unit: 'ms', summary: longest, ratio: `median batch ${number(summarise(medianBatchMs).median)} ms` },
      {
        name: 'writer max latency, during the backfill',
        unit: 'ms',
        summary: maxDuring,
        ratio: `${times(maxDuring.median / longest.median)} the longest batch`,
        goal: {
          text: 'no write blocked longer than one batch',
          met: worstBlockedMs <= 0,
          measured: `longest write ${number(maxDuring.max)} ms, longest batch ${number(longest.max)} ms`,
        },
      },
      ...curve.map(({ batchSize, seconds: time }) => ({
        name: `curve: batch size ${count(batchSize)}, no writer`,
        unit: 'rows/s',
        summary: summarise([sizes.rows / time]),
        ratio: ofOffline(time),
      })),
      {
        name: 'limit: offline upsert (ON CONFLICT … DO UPDATE … WHERE DISTINCT)',
        unit: 'rows/s',
        summary: summarise([sizes.rows / limits.upsertSeconds]),
        ratio: ofOffline(limits.upsertSeconds),
      },
      {
        name: `limit: keyset batches of ${count(sizes.batchSize)}, plain INSERT … SELECT`,
        unit: 'rows/s',
        summary: summarise([sizes.rows / limits.keysetSeconds]),
        ratio: ofOffline(limits.keysetSeconds),
      },
      {
        name: `limit: keyset batches of ${count(sizes.batchSize)}, with the upsert`,
        unit: 'rows/s',
        summary: summarise([sizes.rows / limits.keysetUpsertSeconds]),
        ratio: ofOffline(limits.keysetUpsertSeconds),
      },
    ];
    if (!online.goal!.met) {
      // Microseconds per row each step from the offline copy to the backfill adds, from this run's medians.
      const perRow = (time: number) => (time / sizes.rows) * 1e6;
      const offlineUs = perRow(summarise(offline).median);
      const parts = [
        { what: 'copying in keyset batches, one transaction each', short: 'batching', us: perRow(limits.keysetSeconds) - offlineUs },
        { what: 'the idempotent upsert instead of a plain insert', short: 'the upsert', us: perRow(limits.keysetUpsertSeconds) - perRow(limits.keysetSeconds) },
        {
          what: "the rest of the backfill's batch (each row fetched again by ctid and locked FOR SHARE, the progress row and event, the concurrent writer)",
          short: "the rest of the backfill's batch",
          us: perRow(summarise(onlineTimes).median) - perRow(limits.keysetUpsertSeconds),
        },
      ];
      const largest = parts.reduce((a, b) => (b.us > a.us ? b : a));
      const us = (value: number) => (value > 0 ? `${number(value)} µs` : '≈ 0 µs');
      online.goal!.explanation =
        `a batch is one statement that reads ${count(sizes.batchSize)} keys, fetches each row again by its ctid to lock it FOR SHARE ` +
        `(so that a concurrent writer of the row waits for the batch instead of being overwritten by it), and upserts the twins with ` +
        `ON CONFLICT … DO UPDATE … WHERE … IS DISTINCT FROM (so that a second run writes nothing); each batch also records its progress ` +
        `and an event. Measured in this run on the same rows, per row: the offline copy takes ${us(offlineUs)}; ` +
        parts.map((part) => `${part.what} adds ${us(part.us)}`).join('; ') +
        `. The largest share is ${largest.short}. ${limits.plan}`;
    }
    return {
      title: '2. Backfill',
      sizes:
        `${count(sizes.rows)} legacy rows, ${sizes.repetitions} repetitions; a writer updating one random row every ${sizes.writerIntervalMs} ms ` +
        `(${sizes.writerAloneSeconds} s alone before each backfill); the batch-size curve and the limits on the same rows, one run each`,
      figures,
      notes: [
        'The offline copy writes the same mapped rows into an empty table identical to the modern one (same primary key), in one statement with no other writer.',
        `The writer's wait beyond a normal write (its max during the backfill minus its p50 alone) is compared with the longest batch of the same run: worst margin ${number(worstBlockedMs)} ms (≤ 0 means no write waited longer than a batch).`,
      ],
    };
  } finally {
    await writerClient.end();
    await client.end();
    await database.drop();
  }
}
