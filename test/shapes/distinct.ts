/*
 * distinct: brands (brand_id, name) holds the distinct values of products.brand. A value is added when
 * a legacy row first holds it and stays when the last such row goes; a brand renamed is renamed in
 * every product holding it, a brand deleted deletes them (on_modern_delete = delete, the default).
 * Cutover changes nothing (the legacy table is not renamed); contract drops products.brand.
 * brand_id is a surrogate drawn from an identity, so the brands are compared by name.
 */
import { expect } from 'vitest';
import { firstHeld, sorted, syncs, write, type ShapeCase, type Step } from '../support/harness.js';
import { rows } from '../support/sql.js';

interface Product {
  title: string;
  brand: string | null;
}

const BRANDS = ['Acme', 'Bolt', 'Core', 'Dyna', null];

export function distinct(): ShapeCase {
  const legacy = new Map<number, Product>();
  const modern = new Set<string>();
  for (let id = 1; id <= 40; id++) legacy.set(id, { title: `Item${id}`, brand: BRANDS[id % 5]! });
  const putProduct = (step: Step, id: number, product: Product | null) => {
    if (product) legacy.set(id, product);
    else legacy.delete(id);
    if (syncs(step.phase) && product?.brand) modern.add(product.brand);
  };
  const contracted = (step: Step) => step.phase === 'contracted';

  return {
    name: 'distinct (a lookup table of legacy values)',
    migration: 'brands',
    tables: `
      create table products (id int primary key, title text not null, brand text);
      create table brands (brand_id int generated always as identity primary key, name text not null unique);
      insert into products select g, 'Item' || g, (array['Acme', 'Bolt', 'Core', 'Dyna', null])[1 + g % 5] from generate_series(1, 40) g`,
    bridges: `
      select tandem.create_migration('brands');
      select tandem.bridge(migration => 'brands', name => 'brand', legacy => 'products', modern => 'brands',
        key => '{"name": "brand"}', filter => 'brand is not null', options => '{"distinct": true}')`,

    afterStep(step) {
      if (step.name === 'backfill') for (const product of legacy.values()) if (product.brand) modern.add(product.brand);
    },

    async writeLegacy(client, step) {
      const { n } = step;
      // After contract products has no brand column: legacy code writes titles only.
      const inserted = { title: `Legacy${n}`, brand: contracted(step) ? null : `New${n}` };
      const updated = { title: `Updated${n}`, brand: contracted(step) ? legacy.get(n + 1)!.brand : `Brand${n}` };
      if (contracted(step)) {
        await write(client, 'insert into products (id, title) values ($1, $2)', [100 + n, inserted.title]);
        await write(client, 'update products set title = $2 where id = $1', [n + 1, updated.title]);
      } else {
        await write(client, 'insert into products (id, title, brand) values ($1, $2, $3)', [100 + n, inserted.title, inserted.brand]);
        await write(client, 'update products set title = $2, brand = $3 where id = $1', [n + 1, updated.title, updated.brand]);
      }
      putProduct(step, 100 + n, inserted);
      putProduct(step, n + 1, updated);
      const deleted = firstHeld(legacy, 100 + n - 1, 40 - n);
      await write(client, 'delete from products where id = $1', [deleted]);
      putProduct(step, deleted, null);
    },

    async writeModern(client, step) {
      const { n } = step;
      await write(client, 'insert into brands (name) values ($1)', [`Fresh${n}`]);
      modern.add(`Fresh${n}`);
      // Renames the brand this step's legacy update introduced (held by one product), or Acme (held by many).
      const renamed = firstHeld(modern, `Brand${n}`, 'Acme');
      await write(client, 'update brands set name = $2 where name = $1', [renamed, `Renamed${n}`]);
      modern.delete(renamed);
      modern.add(`Renamed${n}`);
      if (syncs(step.phase)) for (const product of legacy.values()) if (product.brand === renamed) product.brand = `Renamed${n}`;
      // The brand of this step's legacy insert: the product holding it goes too.
      const deleted = firstHeld(modern, `New${n}`, `Fresh${n}`);
      await write(client, 'delete from brands where name = $1', [deleted]);
      modern.delete(deleted);
      if (syncs(step.phase)) for (const [id, product] of legacy) if (product.brand === deleted) legacy.delete(id);
    },

    async check(client, step) {
      expect(await rows(client, 'products', 'id'), 'legacy rows (products)').toEqual(
        sorted(legacy, (id, p) => (contracted(step) ? { id, title: p.title } : { id, ...p })),
      );
      const names = (await client.query('select name from brands order by name collate "C"')).rows.map((b) => b.name);
      expect(names, 'modern rows (brands), by name').toEqual([...modern].sort());
    },
  };
}
