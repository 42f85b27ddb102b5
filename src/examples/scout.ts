/*
 * Scout: the point-of-sale app keeps selling through geography/organization while the medallion
 * tables take over. The legacy app records sales, opens products (some of new brands) and changes the
 * prices of odd-numbered products; the modern app does the same through stores/products/brands and
 * changes the prices of even-numbered ones, so each price has one owner and its last value is known.
 */
import pg from 'pg';
import * as legacyQueries from '../../examples/scout/generated/legacy.queries.js';
import * as modernQueries from '../../examples/scout/generated/modern.queries.js';
import { countRows, transaction, type App, type Scenario } from './apps.js';

const BRANDS = ['Alaska', 'Nestle', 'Del Monte', 'Oishi', 'Lucky Me', 'San Miguel', 'Century', 'Bear Brand', 'Kopiko', 'Rebisco', 'Safeguard', 'Colgate'];
const CATEGORIES = ['Dairy', 'Snacks', 'Beverages', 'Noodles', 'Canned Goods', 'Personal Care', 'Coffee', 'Biscuits'];
const STORES = 48;
const PRODUCTS = 43;

interface Sale {
  store: string;
  product: string;
  quantity: number;
  amount: string;
}

export function scoutScenario(): Scenario {
  const sales = new Map<string, Sale & { by: string }>();
  const prices = new Map<string, string>();
  const added = new Map<string, { brand: string; category: string; by: string }>();
  let lastSale = 0;

  const sale = (n: number) => {
    const quantity = 1 + (n % 5);
    return { store: 1 + ((n * 7) % STORES), product: 1 + ((n * 11) % PRODUCTS), quantity, amount: (quantity * 9.75).toFixed(2) };
  };

  const legacy: App = {
    name: 'legacy app',
    async step(client, n) {
      if (n % 50 === 0) {
        const k = n;
        const product = { id: 100_000 + k, name: `Legacy product ${k}`, brand: k % 150 === 0 ? `Local Brand ${k}` : BRANDS[k % BRANDS.length]!, category: CATEGORIES[k % CATEGORIES.length]!, unitPrice: '19.50' };
        await legacyQueries.addProduct.run(product, client);
        added.set(String(product.id), { brand: product.brand, category: product.category, by: this.name });
        return 'write';
      }
      if (n % 10 === 1) {
        const id = 1 + 2 * (Math.floor(n / 10) % 22); // odd ids: this app's
        const unitPrice = (10 + (n % 200) + 0.5).toFixed(2);
        const [row] = await legacyQueries.setProductPrice.run({ id, unitPrice }, client);
        if (row) prices.set(String(id), unitPrice);
        return 'write';
      }
      if (n % 10 === 2) {
        await legacyQueries.storeSales.run({ storeId: 1 + (n % STORES) }, client);
        return 'read';
      }
      if (n % 10 === 3) {
        await legacyQueries.recentSalesByBrand.run({ sinceId: String(Math.max(0, lastSale - 200)) }, client);
        return 'read';
      }
      const s = sale(n);
      const [row] = await legacyQueries.recordSale.run({ storeId: s.store, productId: s.product, quantity: s.quantity, amount: s.amount }, client);
      sales.set(row!.id, { store: String(s.store), product: String(s.product), quantity: s.quantity, amount: s.amount, by: this.name });
      lastSale = Math.max(lastSale, Number(row!.id));
      return 'write';
    },
  };

  const modern: App = {
    name: 'modern app',
    async step(client, n, backfilled) {
      if (!backfilled && n % 10 !== 0) {
        // Products and sales of the existing ones are not all copied yet: new products only.
        await modernQueries.recentSalesByCategory.run({ sinceId: String(Math.max(0, lastSale - 200)) }, client);
        return 'read';
      }
      if (n % (backfilled ? 50 : 10) === 0) {
        const k = n;
        const product = { productId: String(200_000 + k), name: `Modern product ${k}`, brand: k % 30 === 0 ? `Modern Brand ${k}` : BRANDS[(k + 5) % BRANDS.length]!, category: CATEGORIES[(k + 3) % CATEGORIES.length]!, unitPrice: '24.00' };
        await transaction(client, async () => {
          await modernQueries.ensureBrand.run({ name: product.brand }, client);
          await modernQueries.ensureCategory.run({ name: product.category }, client);
          await modernQueries.addProduct.run(product, client);
        });
        added.set(product.productId, { brand: product.brand, category: product.category, by: this.name });
        return 'write';
      }
      if (n % 10 === 1) {
        const productId = String(2 + 2 * (Math.floor(n / 10) % 21)); // even ids: this app's
        const unitPrice = (30 + (n % 150) + 0.25).toFixed(2);
        const [row] = await modernQueries.setProductPrice.run({ productId, unitPrice }, client);
        if (row) prices.set(productId, unitPrice);
        return 'write';
      }
      if (n % 10 === 2) {
        await modernQueries.storeSales.run({ storeId: String(1 + (n % STORES)) }, client);
        return 'read';
      }
      if (n % 10 === 3) {
        await modernQueries.recentSalesByCategory.run({ sinceId: String(Math.max(0, lastSale - 200)) }, client);
        return 'read';
      }
      const s = sale(n + 3);
      const [row] = await modernQueries.recordSale.run({ storeId: String(s.store), productId: String(s.product), quantity: s.quantity, amount: s.amount }, client);
      sales.set(row!.id, { store: String(s.store), product: String(s.product), quantity: s.quantity, amount: s.amount, by: this.name });
      lastSale = Math.max(lastSale, Number(row!.id));
      return 'write';
    },
  };

  return {
    name: 'scout',
    title: 'Scout medallion: geography/organization → stores/products/brands/categories',
    legacy,
    modern,
    legacyAccess: 'through the compatibility views geography and organization',
    async legacyQuerySet(client) {
      return [
        { query: 'storeList', rows: (await legacyQueries.storeList.run(undefined, client)).length },
        { query: 'productCatalog', rows: (await legacyQueries.productCatalog.run(undefined, client)).length },
        { query: 'storeSales', rows: (await legacyQueries.storeSales.run({ storeId: 1 }, client)).length },
        { query: 'recentSalesByBrand', rows: (await legacyQueries.recentSalesByBrand.run({ sinceId: '0' }, client)).length },
      ];
    },
    modernCounts: (client) => countRows(client, ['stores', 'brands', 'categories', 'products', 'transactions']),
    async lostWrites(client) {
      const lost: string[] = [];
      const { rows: found } = await client.query(
        'select id::text, store_id, product_id, quantity, amount::text from transactions where id = any($1::bigint[])', [[...sales.keys()]]);
      const byId = new Map(found.map((row) => [row.id as string, row]));
      for (const [id, expected] of sales) {
        const row = byId.get(id);
        if (!row) lost.push(`sale ${id} by the ${expected.by} is missing`);
        else if (row.store_id !== expected.store || row.product_id !== expected.product || row.quantity !== expected.quantity || row.amount !== expected.amount) {
          lost.push(`sale ${id} by the ${expected.by} is ${JSON.stringify(row)}, not ${JSON.stringify(expected)}`);
        }
      }
      const { rows: priced } = await client.query('select product_id, unit_price::text from products where product_id = any($1)', [[...prices.keys()]]);
      const priceOf = new Map(priced.map((row) => [row.product_id as string, row.unit_price as string]));
      for (const [id, price] of prices) {
        if (priceOf.get(id) !== price) lost.push(`product ${id} costs ${priceOf.get(id) ?? '(missing)'}, not ${price} as last set`);
      }
      const { rows: products } = await client.query(
        `select p.product_id, b.name as brand, c.name as category
         from products p join brands b using (brand_id) join categories c using (category_id) where p.product_id = any($1)`,
        [[...added.keys()]]);
      const productOf = new Map(products.map((row) => [row.product_id as string, row]));
      for (const [id, expected] of added) {
        const row = productOf.get(id);
        if (!row) lost.push(`product ${id} added by the ${expected.by} is missing`);
        else if (row.brand !== expected.brand || row.category !== expected.category) lost.push(`product ${id} is ${row.brand}/${row.category}, not ${expected.brand}/${expected.category}`);
      }
      return { checked: sales.size + prices.size + added.size, lost };
    },
  };
}
