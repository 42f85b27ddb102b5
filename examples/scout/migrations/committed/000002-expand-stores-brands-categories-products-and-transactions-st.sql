--! Previous: sha1:48e45b1d08ee247140ef13df3655d107ab960743
--! Hash: sha1:d3ac3d9cd6a94ea53e6a8768f10a19f0c7be0437
--! Message: Expand: stores, brands, categories, products and transactions.store_id/product_id, bridged to the legacy tables

-- Expand: the medallion Silver tables next to the legacy ones, kept in sync by tandem from now on.
set local lock_timeout = '2s';
select tandem.create_migration('medallion', 'geography/organization to stores/products/brands/categories; transactions gain store_id and product_id');

create table stores (
  store_id  text primary key,
  name      text not null,
  region    text not null,
  city      text not null,
  barangay  text,
  latitude  numeric(9, 6),
  longitude numeric(9, 6)
);

create table brands (
  brand_id integer generated always as identity primary key,
  name     text not null unique
);

create table categories (
  category_id integer generated always as identity primary key,
  name        text not null unique
);

create table products (
  product_id  text primary key,
  name        text not null,
  brand_id    integer not null references brands,
  category_id integer not null references categories,
  unit_price  numeric(10, 2) not null check (unit_price >= 0)
);
create index products_brand_id_idx on products (brand_id);
create index products_category_id_idx on products (category_id);

-- The new columns, nullable: no table scan, no long lock. Their foreign keys come after the backfill
-- (a key on store_id would refuse every sale until stores holds the copied rows).
alter table transactions add column store_id text, add column product_id text;

select tandem.bridge('medallion', 'stores', legacy => 'geography', modern => 'stores',
  key      => '{"store_id": "id::text"}',
  forward  => '{"name": "store_name", "region": "region", "city": "city", "barangay": "barangay",
                "latitude": "latitude", "longitude": "longitude"}',
  backward => '{"id": "store_id::integer", "store_name": "name", "region": "region", "city": "city",
                "barangay": "barangay", "latitude": "latitude", "longitude": "longitude"}');

-- Brands and categories are the distinct values of organization.brand and .category.
select tandem.bridge('medallion', 'brands', legacy => 'organization', modern => 'brands',
  key => '{"name": "brand"}', options => '{"distinct": true}');
select tandem.bridge('medallion', 'categories', legacy => 'organization', modern => 'categories',
  key => '{"name": "category"}', options => '{"distinct": true}');

select tandem.bridge('medallion', 'products', legacy => 'organization', modern => 'products',
  key      => '{"product_id": "id::text"}',
  forward  => '{"name": "product_name", "unit_price": "unit_price",
                "brand_id": "(select b.brand_id from public.brands b where b.name = l.brand)",
                "category_id": "(select c.category_id from public.categories c where c.name = l.category)"}',
  backward => '{"id": "product_id::integer", "product_name": "name", "unit_price": "unit_price",
                "brand": "(select b.name from public.brands b where b.brand_id = m.brand_id)",
                "category": "(select c.name from public.categories c where c.category_id = m.category_id)"}');

-- Same table: store_id and product_id follow geography_id and organization_id, and back.
select tandem.bridge('medallion', 'transaction_refs', legacy => 'transactions', modern => 'transactions',
  forward  => '{"store_id": "geography_id::text", "product_id": "organization_id::text"}',
  backward => '{"geography_id": "store_id::integer", "organization_id": "product_id::integer"}');

-- The plan's data-integrity query, and revenue per region and brand computed both ways.
select tandem.add_check('medallion', 'stores_cover_geography', $$
  select g.id from geography g where not exists (select 1 from stores s where s.store_id = g.id::text)
$$);
select tandem.add_check('medallion', 'revenue_by_region_and_brand', $$
  select coalesce(l.region, m.region) as region, coalesce(l.brand, m.brand) as brand, l.revenue as legacy, m.revenue as modern
  from (select g.region, o.brand, sum(t.amount) as revenue
        from transactions t join geography g on g.id = t.geography_id join organization o on o.id = t.organization_id
        group by 1, 2) as l
  full join (select s.region, b.name as brand, sum(t.amount) as revenue
             from transactions t join stores s on s.store_id = t.store_id
             join products p on p.product_id = t.product_id join brands b on b.brand_id = p.brand_id
             group by 1, 2) as m on m.region = l.region and m.brand = l.brand
  where l.revenue is distinct from m.revenue
$$);

select tandem.expand('medallion');
