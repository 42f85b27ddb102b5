/*
 * Partitioned tables on either side of a bridge (issue 12). PostgreSQL does an update that moves a row
 * to another partition as a delete from one partition and an insert into the other: it fires the row
 * triggers AFTER DELETE and AFTER INSERT (which a partitioned table's row triggers are cloned to every
 * partition for), no AFTER UPDATE trigger, and of the statement-level triggers only UPDATE's, which
 * fire only for statements naming the partitioned table itself. So on a partitioned table sync is row
 * by row, a delete leaves a twin that the row moved still has, and a move that would change the key
 * its twin is found by is refused (TD008). The whole lifecycle, with rows moving on both sides, is the
 * harness's case test/shapes/table-partitioned.ts (both ways round).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectedDatabase, type ConnectedDatabase } from './support/database.js';
import { backfill, failures, sqlError } from './support/sql.js';

let db: ConnectedDatabase;
let client: pg.Client;

beforeAll(async () => {
  db = await connectedDatabase();
  client = db.client;
});
afterAll(async () => {
  await db.close();
});

const partitionOf = async (table: string, id: number) =>
  (await client.query(`select tableoid::regclass::text as p from ${table} where id = $1`, [id])).rows.map((row) => row.p);

describe('legacy partitioned by range, modern by list', () => {
  beforeAll(async () => {
    await client.query(`
      create table shipment (id int, created date not null, region text not null, note text, primary key (id, created)) partition by range (created);
      create table shipment_2024 partition of shipment for values from ('2024-01-01') to ('2025-01-01');
      create table shipment_2025 partition of shipment for values from ('2025-01-01') to ('2026-01-01');
      create table delivery (id int, region text not null, created date not null, note text, carrier text,
                             primary key (id, region)) partition by list (region);
      create table delivery_eu partition of delivery for values in ('eu');
      create table delivery_us partition of delivery for values in ('us');
      -- A row deleted (rather than moved) on either side would take these with it.
      create table parcel (id serial primary key, shipment_id int not null, shipment_created date not null,
                           foreign key (shipment_id, shipment_created) references shipment on update cascade on delete cascade);
      create table label (id serial primary key, delivery_id int not null, delivery_region text not null,
                          foreign key (delivery_id, delivery_region) references delivery on update cascade on delete cascade);
      insert into shipment select g, date '2024-03-01' + g, case when g % 2 = 0 then 'eu' else 'us' end, 'n' || g from generate_series(1, 10) g;
      select tandem.create_migration('deliveries');
      select tandem.bridge(migration => 'deliveries', name => 'shipment', legacy => 'shipment', modern => 'delivery',
        key => '{"id": "id", "region": "region"}', forward => '{"created": "created", "note": "note"}',
        backward => '{"created": "created", "note": "note"}');
      select tandem.expand('deliveries');`);
    await backfill(client, 'deliveries');
    await client.query(`
      insert into parcel (shipment_id, shipment_created) select id, created from shipment where id <= 4;
      insert into label (delivery_id, delivery_region) select id, region from delivery where id <= 4;
      update delivery set carrier = 'only modern' where id <= 4`);
  });

  it('syncs a legacy update that moves rows to another partition, keeping the twin and what only it holds', async () => {
    await client.query(`update shipment set created = created + 365, note = 'moved' where id in (1, 2)`);
    expect(await partitionOf('shipment', 1)).toEqual(['shipment_2025']);
    expect((await client.query(`select id, created::text, note, carrier from delivery where id in (1, 2) order by id`)).rows).toEqual([
      { id: 1, created: '2025-03-02', note: 'moved', carrier: 'only modern' },
      { id: 2, created: '2025-03-03', note: 'moved', carrier: 'only modern' },
    ]);
    expect((await client.query(`select count(*)::int as n from label where delivery_id in (1, 2)`)).rows).toEqual([{ n: 2 }]);
    expect(await failures(client, 'deliveries')).toEqual([]);
  });

  it('syncs a modern update that moves a row to another partition, keeping the legacy row', async () => {
    await client.query(`update delivery set region = 'us', note = 'moved too' where id = 4`);
    expect(await partitionOf('delivery', 4)).toEqual(['delivery_us']);
    expect((await client.query(`select region, note from shipment where id = 4`)).rows).toEqual([{ region: 'us', note: 'moved too' }]);
    expect((await client.query(`select count(*)::int as n from parcel where shipment_id = 4`)).rows).toEqual([{ n: 1 }]);
    expect(await failures(client, 'deliveries')).toEqual([]);
  });

  it('syncs writes that name a partition, which fire none of the partitioned table’s statement triggers', async () => {
    await client.query(`insert into shipment_2024 (id, created, region, note) values (50, '2024-05-05', 'eu', 'direct')`);
    await client.query(`update shipment_2024 set note = 'direct update' where id = 5`);
    await client.query(`delete from shipment_2024 where id = 6`);
    await client.query(`insert into delivery_us (id, region, created, note) values (60, 'us', '2025-06-06', 'direct')`);
    expect((await client.query(`select id, note from delivery where id in (5, 6, 50) order by id`)).rows)
      .toEqual([{ id: 5, note: 'direct update' }, { id: 50, note: 'direct' }]);
    expect((await client.query(`select id, note from shipment where id = 60`)).rows).toEqual([{ id: 60, note: 'direct' }]);
    expect(await failures(client, 'deliveries')).toEqual([]);
  });

  it('refuses a move that changes the key its twin is found by, on either side (TD008)', async () => {
    // The twin of a legacy row is found by (id, region); a move is a change of created.
    const legacy = await sqlError(client, `update shipment set created = created + 365, region = 'eu' where id = 3`);
    expect([legacy.code, legacy.message, legacy.detail, legacy.hint]).toEqual(['TD008',
      'an update that moves a row of public.shipment out of partition public.shipment_2024 and changes the key of its twin is refused: bridge deliveries.shipment cannot follow it',
      'PostgreSQL moves the row as a delete and an insert, which cannot be paired: the twin in public.delivery would be deleted and made again, losing what only it holds.',
      `Change the key (id, region) and the partition (created) in two statements, or roll the migration back first: select tandem.rollback('deliveries');`]);
    // The legacy row of a modern one is found by (id, created); a move is a change of region.
    const modern = await sqlError(client, `update delivery set region = 'eu', created = created + 1 where id = 3`);
    expect([modern.code, modern.message]).toEqual(['TD008',
      'an update that moves a row of public.delivery out of partition public.delivery_us and changes the key of its twin is refused: bridge deliveries.shipment cannot follow it']);
    // The same changes in two statements, or a key change within a partition, are followed.
    await client.query(`update shipment set region = 'eu' where id = 3`);
    await client.query(`update shipment set created = created + 365 where id = 3`);
    await client.query(`update delivery set created = created + 1 where id = 3`);
    expect((await client.query(`select region, created::text, carrier from delivery where id = 3`)).rows).toEqual([{ region: 'eu', created: '2025-03-05', carrier: 'only modern' }]);
    expect(await failures(client, 'deliveries')).toEqual([]);
  });

  it('refuses TRUNCATE of a partition, as of the partitioned table (TD008)', async () => {
    const error = await sqlError(client, `truncate shipment_2025 cascade`); // cascade: parcel references shipment
    expect([error.code, error.message]).toEqual(['TD008',
      'TRUNCATE of public.shipment_2025 is refused: bridge deliveries.shipment keeps public.shipment and public.delivery in sync, and a truncate would reach only one of them']);
  });

  it('cuts over: the view over the partitioned modern table moves rows too, and rolls back', async () => {
    // parcel's foreign key names created, which the modern key does not have: cutover would refuse it.
    await client.query(`alter table parcel drop constraint parcel_shipment_id_shipment_created_fkey`);
    expect((await client.query(`select tandem.cutover('deliveries') as r`)).rows).toEqual([{ r: 'cut over' }]);
    await client.query(`update shipment set region = 'us' where id = 5`); // through the view: a move of the modern row
    await client.query(`update shipment set created = created + 365 where id = 7`); // a move of the archive's row
    expect(await partitionOf('delivery', 5)).toEqual(['delivery_us']);
    expect(await partitionOf('shipment__archive', 7)).toEqual(['shipment_2025']);
    expect(await failures(client, 'deliveries')).toEqual([]);
    expect((await client.query(`select tandem.rollback('deliveries') as r`)).rows).toEqual([{ r: 'rolled back from cut_over to verified' }]);
    expect(await partitionOf('shipment', 5)).toEqual(['shipment_2024']);
    expect((await client.query(`select region from shipment where id = 5`)).rows).toEqual([{ region: 'us' }]);
    expect(await failures(client, 'deliveries')).toEqual([]);
  });
});

describe('bridges of partitions, and the other shapes on partitioned tables', () => {
  it('refuses a bridge of a partition, naming the partitioned table to bridge', async () => {
    await client.query(`
      create table reading (id int, at date, value int, primary key (id, at)) partition by range (at);
      create table reading_2024 partition of reading for values from ('2024-01-01') to ('2025-01-01');
      create table reading_new (id int, at date, value int, primary key (id, at));
      select tandem.create_migration('readings');`);
    const error = await sqlError(client, `select tandem.bridge(migration => 'readings', name => 'reading', legacy => 'reading_2024', modern => 'reading_new',
      key => '{"id": "id", "at": "at"}', forward => '{"value": "value"}', backward => '{"value": "value"}')`);
    expect([error.code, error.message, error.detail]).toEqual(['TD003', 'bridge readings.reading is not valid: 1 problem',
      'legacy table public.reading_2024 is a partition of public.reading: writes through public.reading would not all reach its sync, and rows move in and out of it. Fix: bridge public.reading.']);
  });

  it('a distinct bridge from a partitioned legacy table adds the value of a row that moves', async () => {
    await client.query(`
      create table sale (id int, at date, brand text, primary key (id, at)) partition by range (at);
      create table sale_2024 partition of sale for values from ('2024-01-01') to ('2025-01-01');
      create table sale_2025 partition of sale for values from ('2025-01-01') to ('2026-01-01');
      create table brand (name text primary key);
      insert into sale values (1, '2024-01-01', 'acme');
      select tandem.create_migration('brands');
      select tandem.bridge(migration => 'brands', name => 'brand', legacy => 'sale', modern => 'brand',
        key => '{"name": "brand"}', options => '{"distinct": true}');
      select tandem.expand('brands');`);
    await backfill(client, 'brands');
    await client.query(`insert into sale_2025 values (2, '2025-01-01', 'zeta')`);
    await client.query(`update sale set at = '2025-02-02', brand = 'omega' where id = 1`);
    expect((await client.query(`select name from brand order by name`)).rows).toEqual([{ name: 'acme' }, { name: 'omega' }, { name: 'zeta' }]);
    expect(await failures(client, 'brands')).toEqual([]);
  });

  it('a distinct bridge to a partitioned lookup table refuses moving a value to another partition (its holders would go)', async () => {
    await client.query(`
      create table ticket (id int primary key, queue text);
      create table queue (name text primary key) partition by list (name);
      create table queue_a partition of queue for values in ('a');
      create table queue_b partition of queue for values in ('b');
      insert into ticket values (1, 'a');
      select tandem.create_migration('queues');
      select tandem.bridge(migration => 'queues', name => 'queue', legacy => 'ticket', modern => 'queue',
        key => '{"name": "queue"}', options => '{"distinct": true}');
      select tandem.expand('queues');`);
    await backfill(client, 'queues');
    const error = await sqlError(client, `update queue set name = 'b' where name = 'a'`);
    expect([error.code, error.message]).toEqual(['TD008',
      'an update that moves a row of public.queue out of partition public.queue_a and changes the key of its twin is refused: bridge queues.queue cannot follow it']);
    expect((await client.query(`select queue from ticket`)).rows).toEqual([{ queue: 'a' }]);
  });

  it('a bridge of columns on a partitioned table keeps both sides of a row that moves', async () => {
    await client.query(`
      create table account (id int, region text, balance_text text, balance numeric, primary key (id, region)) partition by list (region);
      create table account_eu partition of account for values in ('eu');
      create table account_us partition of account for values in ('us');
      insert into account (id, region, balance_text) values (1, 'eu', '1.50');
      select tandem.create_migration('balances');
      select tandem.bridge(migration => 'balances', name => 'balance', legacy => 'account', modern => 'account',
        forward => '{"balance": "balance_text::numeric"}', backward => '{"balance_text": "balance::text"}');
      select tandem.expand('balances');`);
    await backfill(client, 'balances');
    await client.query(`update account set region = 'us', balance_text = '2.50' where id = 1`);
    await client.query(`update account set region = 'eu', balance = 3.5 where id = 1`);
    expect((await client.query(`select tableoid::regclass::text as p, balance_text, balance from account`)).rows)
      .toEqual([{ p: 'account_eu', balance_text: '3.5', balance: '3.5' }]);
    expect(await failures(client, 'balances')).toEqual([]);
  });
});
