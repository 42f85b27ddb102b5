--! Previous: sha1:b218d8495453c0fa8f9c01c4b4363afaf78418a0
--! Hash: sha1:307470cddcf4ea89fd190e31095481bfe0646142
--! Message: Cutover: geography and organization become compatibility views; the Silver and Gold layers

-- Cutover: the medallion tables become the source of truth. geography and organization become
-- writable compatibility views over stores and products (brands and categories included), so the
-- legacy app keeps working unchanged; the legacy tables stay as synced archives until contract.
set local lock_timeout = '2s';

-- transactions.geography_id and .organization_id referenced the legacy tables; store_id and
-- product_id, kept equal to them by the bridge and validated by 000007, now carry that integrity.
alter table transactions drop constraint transactions_geography_id_fkey;
alter table transactions drop constraint transactions_organization_id_fkey;

select tandem.cutover('medallion');

-- The Silver and Gold layers, over the new tables only.
create materialized view silver_sales as
  select t.id as transaction_id, t.created_at, t.quantity, t.amount,
         s.store_id, s.name as store_name, s.region, s.city,
         p.product_id, p.name as product_name, b.name as brand, c.name as category
  from transactions t
  join stores s on s.store_id = t.store_id
  join products p on p.product_id = t.product_id
  join brands b on b.brand_id = p.brand_id
  join categories c on c.category_id = p.category_id
  with no data;
create unique index silver_sales_transaction_id_idx on silver_sales (transaction_id);

create materialized view gold_region_brand_daily as
  select region, brand, created_at::date as day, count(*) as transactions, sum(quantity) as units, sum(amount) as revenue
  from silver_sales
  group by region, brand, created_at::date
  with no data;
create unique index gold_region_brand_daily_key_idx on gold_region_brand_daily (region, brand, day);

create table medallion_refresh_log (
  view_name    text not null,
  refreshed_at timestamptz not null default clock_timestamp(),
  duration     interval not null,
  row_count    bigint not null
);

-- Refreshes Silver, then Gold (which reads Silver); concurrently once populated, so readers never wait.
create function refresh_medallion() returns setof medallion_refresh_log
  language plpgsql
as $$
declare
  view_name text;
  started timestamptz;
  populated boolean;
  row_count bigint;
begin
  foreach view_name in array array['silver_sales', 'gold_region_brand_daily'] loop
    started := clock_timestamp();
    select relispopulated into populated from pg_class where oid = view_name::regclass;
    if populated then
      execute format('refresh materialized view concurrently %I', view_name);
    else
      execute format('refresh materialized view %I', view_name);
    end if;
    execute format('select count(*) from %I', view_name) into row_count;
    return query insert into medallion_refresh_log (view_name, duration, row_count)
                 values (view_name, clock_timestamp() - started, row_count) returning *;
  end loop;
end
$$;

-- One row per layer: populated, rows, last refresh, and whether Silver still covers every transaction.
create function check_medallion_health()
returns table (layer text, view_name text, populated boolean, row_count bigint, last_refresh timestamptz, status text)
  language sql
  stable
as $$
  with latest as (
    select distinct on (l.view_name) l.view_name, l.refreshed_at, l.row_count
    from medallion_refresh_log l order by l.view_name, l.refreshed_at desc
  )
  select v.layer, v.view_name, c.relispopulated, latest.row_count, latest.refreshed_at,
         case when not c.relispopulated then 'not populated: select refresh_medallion()'
              when v.view_name = 'silver_sales' and latest.row_count < (select count(*) from transactions)
                then format('stale: %s transactions since the last refresh', (select count(*) from transactions) - latest.row_count)
              else 'ok' end
  from (values ('silver', 'silver_sales'), ('gold', 'gold_region_brand_daily')) as v(layer, view_name)
  join pg_class c on c.oid = v.view_name::regclass
  left join latest on latest.view_name = v.view_name
$$;
