/*
 * Deterministic Scout data: 48 stores in 18 regions, 43 products of 12 brands in 8 categories, and
 * 376,212 transactions at scale 1 (the setting example.scale scales the transactions only: psql with
 * PGOPTIONS='-c example.scale=0.1'). The same scale always gives the same rows: values come from the
 * row number, never from random().
 */
insert into geography (id, store_name, region, city, barangay, latitude, longitude)
select n,
       format('Scout Store %s', n),
       (array['NCR', 'CAR', 'Ilocos', 'Cagayan Valley', 'Central Luzon', 'CALABARZON', 'MIMAROPA', 'Bicol',
              'Western Visayas', 'Central Visayas', 'Eastern Visayas', 'Zamboanga Peninsula', 'Northern Mindanao',
              'Davao', 'SOCCSKSARGEN', 'Caraga', 'BARMM', 'NIR'])[1 + (n - 1) % 18],
       format('City %s', 1 + (n * 7) % 31),
       case when n % 5 = 0 then null else format('Barangay %s', 1 + (n * 13) % 97) end,
       round((5 + (n * 0.173) % 14)::numeric, 6),
       round((117 + (n * 0.291) % 9)::numeric, 6)
from generate_series(1, 48) as n;

insert into organization (id, product_name, brand, category, unit_price)
select n,
       format('Product %s', n),
       (array['Alaska', 'Nestle', 'Del Monte', 'Oishi', 'Lucky Me', 'San Miguel', 'Century', 'Bear Brand',
              'Kopiko', 'Rebisco', 'Safeguard', 'Colgate'])[1 + (n * 5) % 12],
       (array['Dairy', 'Snacks', 'Beverages', 'Noodles', 'Canned Goods', 'Personal Care', 'Coffee', 'Biscuits'])[1 + (n * 3) % 8],
       round((12 + (n * 37) % 240 + (n % 4) * 0.25)::numeric, 2)
from generate_series(1, 43) as n;

-- The rows reference existing stores and products by construction: skip the per-row foreign key
-- checks while loading (this needs a superuser, as a data load does).
set session_replication_role = replica;
insert into transactions (geography_id, organization_id, quantity, amount, created_at)
select 1 + (n::bigint * 7919) % 48,
       1 + (n::bigint * 104729) % 43,
       1 + (n * 31) % 6,
       round(((1 + (n * 31) % 6) * (12 + ((1 + (n::bigint * 104729) % 43) * 37) % 240))::numeric, 2),
       timestamptz '2025-01-01 00:00:00+00' + make_interval(secs => n * 41)
from generate_series(1, greatest(1, round(376212 * coalesce(nullif(current_setting('example.scale', true), ''), '1')::numeric)::int)) as n;

reset session_replication_role;

analyze geography;
analyze organization;
analyze transactions;
