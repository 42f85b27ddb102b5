/*
 * Columns of every built-in type family, bridged (issue 12): generated code compares column values
 * (to skip a write that changes nothing, to tell which side of a row changed, to verify), and a type
 * without an equality operator (json, xml, point and the other geometric types, arrays, domains and
 * composite types of them) is compared through its text form, so that a bridge of such columns syncs
 * both ways, verifies, and cuts over like any other; a type whose values cannot be compared is refused.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectedDatabase, type ConnectedDatabase } from './support/database.js';
import { backfill, failures, phase, sqlError, unsynced } from './support/sql.js';

let db: ConnectedDatabase;
let client: pg.Client;

beforeAll(async () => {
  db = await connectedDatabase();
  client = db.client;
  await client.query(`
    create type mood as enum ('sad', 'ok', 'happy');
    create type pair as (label text, doc json, at point);
    create domain doc_json as json check (json_typeof(value) = 'object');
    create domain positive as int check (value > 0);`);
});
afterAll(async () => {
  await db.close();
});

/** Every column of gadget (legacy) and widget (modern), by family, with its type. */
const TYPES: Record<string, string> = {
  j: 'json', jb: 'jsonb', x: 'xml',
  pt: 'point', ln: 'line', ls: 'lseg', bx: 'box', pa: 'path', pg: 'polygon', ci: 'circle',
  ts: 'tsvector', mo: 'money', by: 'bytea',
  ia: 'int[]', ja: 'json[]', pts: 'point[]',
  rg: 'int4range', mr: 'int4multirange',
  dj: 'doc_json', dp: 'positive', e: 'mood', c: 'pair',
};
const COLUMNS = Object.keys(TYPES);

/** A row's values as SQL literals, distinct for each n (n ≥ 1). */
function values(n: number): Record<string, string> {
  return {
    j: `'{"n": ${n}, "list": [1, 2]}'`, jb: `'{"n": ${n}}'`, x: `'<a n="${n}">t</a>'`,
    pt: `'(${n},0.5)'`, ln: `'{1,-1,${n}}'`, ls: `'[(0,0),(${n},1)]'`, bx: `'(${n + 1},${n + 1}),(${n},${n})'`,
    pa: `'[(0,0),(${n},1),(2,2)]'`, pg: `'((0,0),(${n},1),(1,0))'`, ci: `'<(${n},0),1>'`,
    ts: `'a:${n} b:2'`, mo: `'${n}.25'`, by: `'\\x0${n % 10}ff'`,
    ia: `'{1,2,${n}}'`, ja: `array['{"a": ${n}}'::json, null]`, pts: `array[point(${n}, 1), point(0, 0)]`,
    rg: `'[${n},${n + 10})'`, mr: `'{[1,3),[${n + 5},${n + 7})}'`,
    dj: `'{"d": ${n}}'`, dp: `${n}`, e: `'${['sad', 'ok', 'happy'][n % 3]}'`, c: `row('label ${n}', '{"c": ${n}}', '(${n},${n})')::pair`,
  };
}
const tuple = (n: number) => COLUMNS.map((c) => values(n)[c]).join(', ');

/** Each row of a table as its key and every column's text form: what the test compares both sides by. */
async function texts(table: string, key: string): Promise<string[][]> {
  const { rows } = await client.query({
    text: `select ${key}::text, ${COLUMNS.map((c) => `${c}::text`).join(', ')} from ${table} order by ${key}`,
    rowMode: 'array',
  });
  return rows;
}
const bothSidesEqual = async (legacy = 'gadget') => expect(await texts(legacy, 'id')).toEqual(await texts('widget', 'widget_id'));

describe('a bridge of a column of every type family (table shape, cut over as a rename)', () => {
  beforeAll(async () => {
    await client.query(`
      create table gadget (id int primary key, ${COLUMNS.map((c) => `${c} ${TYPES[c]}`).join(', ')});
      create table widget (widget_id int primary key, ${COLUMNS.map((c) => `${c} ${TYPES[c]}`).join(', ')},
                           note text not null default 'modern only');
      insert into gadget values ${[1, 2, 3, 4, 5].map((n) => `(${n}, ${tuple(n)})`).join(', ')};
      insert into gadget (id) values (6); -- every column null
      select tandem.create_migration('gadgets');
      select tandem.bridge(migration => 'gadgets', name => 'gadget', legacy => 'gadget', modern => 'widget',
        key => '{"widget_id": "id"}',
        forward => '${JSON.stringify(Object.fromEntries(COLUMNS.map((c) => [c, c])))}',
        backward => '${JSON.stringify(Object.fromEntries(COLUMNS.map((c) => [c, c])))}');
      select tandem.expand('gadgets');`);
  });

  it('syncs legacy inserts, updates and deletes to the modern side, and backfills and verifies', async () => {
    await client.query(`insert into gadget values (10, ${tuple(10)})`);
    await client.query(`update gadget set (${COLUMNS.join(', ')}) = row(${tuple(11)}) where id = 1`);
    await client.query(`delete from gadget where id = 2`);
    await backfill(client, 'gadgets');
    await bothSidesEqual();
    expect(await failures(client, 'gadgets')).toEqual([]);
    expect(await phase(client, 'gadgets')).toBe('verified');
  });

  it('syncs a change that = would not see: a box or circle moved (their = compares areas), a path moved (= counts points), json respaced', async () => {
    await client.query(`update gadget set bx = '(21,21),(20,20)', ci = '<(20,0),1>', pa = '[(0,0),(9,9),(2,2)]', j = '{"n":3,"list":[1,2]}' where id = 3`);
    expect((await client.query(`select bx::text, ci::text, pa::text, j::text from widget where widget_id = 3`)).rows)
      .toEqual([{ bx: '(21,21),(20,20)', ci: '<(20,0),1>', pa: '[(0,0),(9,9),(2,2)]', j: '{"n":3,"list":[1,2]}' }]);
    await client.query(`update widget set bx = '(31,31),(30,30)', pts = array[point(1, 1)] where widget_id = 3`);
    expect((await client.query(`select bx::text, pts::text from gadget where id = 3`)).rows).toEqual([{ bx: '(31,31),(30,30)', pts: '{"(1,1)"}' }]);
    await bothSidesEqual();
  });

  it('syncs modern inserts, updates and deletes back, keeping what only the modern side has', async () => {
    await client.query(`insert into widget (widget_id, ${COLUMNS.join(', ')}) values (20, ${tuple(20)})`);
    await client.query(`update widget set note = 'kept' where widget_id = 4`);
    await client.query(`update widget set (${COLUMNS.join(', ')}) = row(${tuple(21)}) where widget_id = 4`);
    await client.query(`update widget set (${COLUMNS.join(', ')}) = row(${COLUMNS.map(() => 'null').join(', ')}) where widget_id = 5`);
    await client.query(`delete from widget where widget_id = 10`);
    await bothSidesEqual();
    expect((await client.query(`select note from widget where widget_id = 4`)).rows).toEqual([{ note: 'kept' }]);
    expect(await failures(client, 'gadgets')).toEqual([]);
  });

  it('verification finds a difference in a column compared by its text form, on either side', async () => {
    await unsynced(client, `update widget set j = '{"drifted": true}' where widget_id = 3`);
    await unsynced(client, `update gadget set pt = '(99,99)', c = row('drifted', '{}', '(0,0)')::pair where id = 20`);
    // Each column is mapped as is, so a difference shows both ways.
    expect(await failures(client, 'gadgets')).toEqual([
      ...['column:c', 'column:j', 'column:pt', 'legacy_column:c', 'legacy_column:j', 'legacy_column:pt'].map((check) =>
        ({ bridge: 'gadget', check_name: check, mismatches: 1, sample_keys: [check.endsWith(':j') ? 'widget_id=3' : 'widget_id=20'] })),
      { bridge: null, check_name: 'consistency', mismatches: 2, sample_keys: null },
    ]);
    // Writing the rows again repairs them (an unchanged value is not written; a changed one is).
    await client.query(`update gadget set j = j where id = 3`);
    await client.query(`update widget set pt = pt, c = c where widget_id = 20`);
    await bothSidesEqual();
    expect(await failures(client, 'gadgets')).toEqual([]);
  });

  it('compares float-based values exactly whatever the session’s extra_float_digits', async () => {
    await client.query('set extra_float_digits = 0'); // prints 15 digits: (1,0.5) for both points below
    try {
      await client.query(`update gadget set pt = point(1, 0.5) where id = 1`);
      await client.query(`update gadget set pt = point(1.0000000000000002, 0.5) where id = 1`);
    } finally {
      await client.query('reset extra_float_digits');
    }
    expect((await client.query(`select pt[0] = 1.0000000000000002::float8 as exact from widget where widget_id = 1`)).rows).toEqual([{ exact: true }]);
    expect(await failures(client, 'gadgets')).toEqual([]);
  });

  it('cuts over: legacy code writes every type through the compatibility view, RETURNING included', async () => {
    expect((await client.query(`select tandem.cutover('gadgets') as r`)).rows).toEqual([{ r: 'cut over' }]);
    expect((await client.query(`select relkind from pg_class where oid = 'gadget'::regclass`)).rows).toEqual([{ relkind: 'v' }]);
    const inserted = await client.query({
      text: `insert into gadget (id, ${COLUMNS.join(', ')}) values (30, ${tuple(30)}) returning id::text, ${COLUMNS.map((c) => `${c}::text`).join(', ')}`,
      rowMode: 'array',
    });
    expect(inserted.rows).toEqual((await texts('widget', 'widget_id')).filter((row) => row[0] === '30'));
    const updated = await client.query(`update gadget set j = '{"via": "view"}', bx = '(9,9),(8,8)', ja = array['[1]'::json] where id = 3 returning j::text, bx::text, ja::text`);
    expect(updated.rows).toEqual([{ j: '{"via": "view"}', bx: '(9,9),(8,8)', ja: '{[1]}' }]);
    await client.query(`delete from gadget where id = 20`);
    await bothSidesEqual();
    await bothSidesEqual('gadget__archive');
    expect(await failures(client, 'gadgets')).toEqual([]);
  });

  it('rolls back: the table under its name again, holding every write made through the view', async () => {
    expect((await client.query(`select tandem.rollback('gadgets') as r`)).rows).toEqual([{ r: 'rolled back from cut_over to verified' }]);
    expect((await client.query(`select relkind from pg_class where oid = 'gadget'::regclass`)).rows).toEqual([{ relkind: 'r' }]);
    await client.query(`update gadget set x = '<b/>', mr = '{[1,2)}' where id = 30`);
    await bothSidesEqual();
    expect(await failures(client, 'gadgets')).toEqual([]);
  });
});

describe('a bridge of columns of types without equality (columns shape)', () => {
  it('fills the new columns from the legacy ones and back, and verifies', async () => {
    await client.query(`
      create table note (id int primary key, body json, at point, tags json[], meta pair, body_new json, at_new point, tags_new json[], meta_new pair);
      insert into note (id, body, at, tags, meta) values (1, '{"a": 1}', '(1,1)', array['1'::json], row('m', '{}', '(0,0)')::pair);
      select tandem.create_migration('notes');
      select tandem.bridge(migration => 'notes', name => 'note', legacy => 'note', modern => 'note',
        forward => '{"body_new": "body", "at_new": "at", "tags_new": "tags", "meta_new": "meta"}',
        backward => '{"body": "body_new", "at": "at_new", "tags": "tags_new", "meta": "meta_new"}');
      select tandem.expand('notes');
      insert into note (id, body, at, tags, meta) values (2, '{"b": 2}', '(2,2)', array['2'::json], row('n', '[]', '(2,2)')::pair);
      insert into note (id, body_new, at_new) values (3, '{"c": 3}', '(3,3)');
      update note set body = '{"a":1}', at = '(1.5,1)' where id = 1;
      update note set tags_new = array['"t"'::json], meta_new = row('moved', '{}', '(5,5)')::pair where id = 2;`);
    await backfill(client, 'notes');
    const { rows } = await client.query(`select id, body::text = body_new::text and at::text = at_new::text and tags::text is not distinct from tags_new::text
                                                and meta::text is not distinct from meta_new::text as same, body_new::text, tags::text, meta::text
                                         from note order by id`);
    expect(rows).toEqual([
      { id: 1, same: true, body_new: '{"a":1}', tags: '{1}', meta: '(m,{},"(0,0)")' },
      { id: 2, same: true, body_new: '{"b": 2}', tags: '{"\\"t\\""}', meta: '(moved,{},"(5,5)")' },
      { id: 3, same: true, body_new: '{"c": 3}', tags: null, meta: null },
    ]);
    expect(await failures(client, 'notes')).toEqual([]);
  });
});

describe('a distinct bridge whose legacy value column is json', () => {
  it('renames a value in every legacy row holding it', async () => {
    await client.query(`
      create table product (id int primary key, spec json);
      create table spec (spec jsonb primary key);
      insert into product values (1, '{"size": 1}'), (2, '{"size": 1}'), (3, '{"size": 2}');
      select tandem.create_migration('specs');
      select tandem.bridge(migration => 'specs', name => 'spec', legacy => 'product', modern => 'spec',
        key => '{"spec": "spec::jsonb"}', backward => '{"spec": "spec::json"}', options => '{"distinct": true}');
      select tandem.expand('specs');`);
    await backfill(client, 'specs');
    await client.query(`update spec set spec = '{"size": 10}' where spec = '{"size": 1}'`);
    expect((await client.query(`select id, spec::text from product order by id`)).rows)
      .toEqual([{ id: 1, spec: '{"size": 10}' }, { id: 2, spec: '{"size": 10}' }, { id: 3, spec: '{"size": 2}' }]);
    expect(await failures(client, 'specs')).toEqual([]);
  });
});

describe('which types can be compared', () => {
  it('refuses a column of a user-defined type with no equality, naming the column, the type and the fix', async () => {
    await client.query(`
      create type opaque_text;
      create function opaque_text_in(cstring) returns opaque_text language internal immutable strict as 'textin';
      create function opaque_text_out(opaque_text) returns cstring language internal immutable strict as 'textout';
      create type opaque_text (input = opaque_text_in, output = opaque_text_out, internallength = variable, storage = extended);
      create table blob_old (id int primary key, payload opaque_text);
      create table blob_new (id int primary key, payload opaque_text);
      select tandem.create_migration('blobs');`);
    const error = await sqlError(client, `select tandem.bridge(migration => 'blobs', name => 'blob', legacy => 'blob_old', modern => 'blob_new',
      key => '{"id": "id"}', forward => '{"payload": "payload"}', backward => '{"payload": "payload"}')`);
    expect(error.code).toBe('TD003');
    expect(error.message).toBe('bridge blobs.blob is not valid: 2 problems');
    expect(error.detail).toBe([
      'modern column public.blob_new.payload is of type public.opaque_text, which has no equality operator and is not built in, so tandem cannot tell whether two of its values are equal. Fix: give the type a default btree or hash operator class (create operator class … default for type public.opaque_text using btree …), or leave the column out of the bridge.',
      'legacy column public.blob_old.payload is of type public.opaque_text, which has no equality operator and is not built in, so tandem cannot tell whether two of its values are equal. Fix: give the type a default btree or hash operator class (create operator class … default for type public.opaque_text using btree …), or leave the column out of the bridge.',
    ].join('\n'));
  });

  it('finds an equality exactly where PostgreSQL does, for every type in the catalog', async () => {
    // `=` between two rows looks each field's equality up in the type cache at run time (as `=`
    // between arrays does for their elements): the rule tandem._has_equality reads from the catalogs.
    // A column compared as itself must also be comparable where a query names it: `=` must resolve.
    await client.query(`
      create function pg_temp.type_cache_equality(t regtype) returns boolean language plpgsql as $$
      begin
        execute format('select (select row(null::%s)) = (select row(null::%s))', t, t);
        return true;
      exception when undefined_function then
        return false;
      end $$;
      create function pg_temp.query_equality(t regtype, compared_as regtype) returns boolean language plpgsql as $$
      begin
        execute format('select (null::%s)::%s is distinct from (null::%s)::%s', t, compared_as, t, compared_as);
        return true;
      exception when undefined_function or ambiguous_function then
        return false;
      end $$`);
    const { rows } = await client.query(`
      select t.oid::regtype::text as type, tandem._has_equality(t.oid) as equality, pg_temp.type_cache_equality(t.oid) as type_cache,
             tandem._compared_as(t.oid)::regtype::text as compared_as,
             pg_temp.query_equality(t.oid, coalesce(tandem._compared_as(t.oid), 'text'::regtype)) as query
      from pg_type t
      where t.typisdefined and t.typtype in ('b', 'c', 'd', 'e', 'r', 'm')`);
    expect(rows.length).toBeGreaterThan(400);
    expect(rows.filter((row) => row.equality !== row.type_cache)).toEqual([]);
    expect(rows.filter((row) => row.compared_as !== null && !row.query)).toEqual([]);
    const comparedAs = Object.fromEntries(rows.map((row) => [row.type, row.compared_as]));
    const textForm = ['json', 'xml', 'point', 'line', 'lseg', 'box', 'path', 'polygon', 'circle', 'json[]', 'xml[]', 'doc_json', 'pair', 'pair[]'];
    expect(textForm.map((type) => [type, comparedAs[type]])).toEqual(textForm.map((type) => [type, 'text']));
    const itself = ['jsonb', 'tsvector', 'money', 'bytea', 'integer[]', 'character varying[]', 'int4range', 'int4multirange', 'positive', 'mood', 'xid', 'text'];
    expect(itself.map((type) => [type, comparedAs[type]])).toEqual(itself.map((type) => [type, type]));
    expect([comparedAs['character varying'], comparedAs['cidr'], comparedAs['regclass']]).toEqual(['text', 'inet', 'oid']);
    expect(comparedAs['opaque_text']).toBeNull();
  });

});
