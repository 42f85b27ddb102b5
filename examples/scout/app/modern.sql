/* The new app: it reads and writes the medallion tables only (stores, products, brands,
   categories, transactions.store_id / product_id), from expand on. */

/* @name recordSale */
insert into transactions (store_id, product_id, quantity, amount)
values (:storeId!, :productId!, :quantity!, :amount!)
returning id;

/* @name ensureBrand */
insert into brands (name) values (:name!) on conflict (name) do nothing;

/* @name ensureCategory */
insert into categories (name) values (:name!) on conflict (name) do nothing;

/* @name addProduct */
insert into products (product_id, name, brand_id, category_id, unit_price)
select :productId!, :name!, b.brand_id, c.category_id, :unitPrice!
from brands b, categories c
where b.name = :brand! and c.name = :category!
returning product_id;

/* @name setProductPrice */
update products set unit_price = :unitPrice! where product_id = :productId! returning product_id, unit_price;

/* @name storeSales */
select s.name, count(t.id) as "sales!", coalesce(sum(t.amount), 0) as "revenue!"
from stores s left join transactions t on t.store_id = s.store_id
where s.store_id = :storeId!
group by s.name;

/* @name recentSalesByCategory */
select c.name as category, count(*) as "sales!", sum(t.amount) as "revenue!"
from transactions t
join products p on p.product_id = t.product_id
join categories c on c.category_id = p.category_id
where t.id > :sinceId!
group by c.name
order by c.name;

/* @name medallionHealth */
select layer as "layer!", view_name as "view_name!", populated as "populated!", row_count, status as "status!"
from check_medallion_health();
