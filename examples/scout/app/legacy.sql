/* The legacy point-of-sale and reporting app: it knows only geography, organization and
   transactions.geography_id / organization_id, and is never changed during the migration. */

/* @name recordSale */
insert into transactions (geography_id, organization_id, quantity, amount)
values (:storeId!, :productId!, :quantity!, :amount!)
returning id;

/* @name openStore */
insert into geography (id, store_name, region, city)
values (:id!, :name!, :region!, :city!);

/* @name addProduct */
insert into organization (id, product_name, brand, category, unit_price)
values (:id!, :name!, :brand!, :category!, :unitPrice!)
returning id, brand, category;

/* @name setProductPrice */
update organization set unit_price = :unitPrice! where id = :id! returning id, unit_price;

/* @name productCatalog */
select id, product_name, brand, category, unit_price from organization order by id;

/* @name storeList */
select id, store_name, region, city from geography order by id;

/* @name storeSales */
select g.store_name, count(t.id) as "sales!", coalesce(sum(t.amount), 0) as "revenue!"
from geography g left join transactions t on t.geography_id = g.id
where g.id = :storeId!
group by g.store_name;

/* @name recentSalesByBrand */
select o.brand, count(*) as "sales!", sum(t.amount) as "revenue!"
from transactions t join organization o on o.id = t.organization_id
where t.id > :sinceId!
group by o.brand
order by o.brand;
