/** Types generated for queries found in "app/modern.sql" */
import { PreparedQuery } from '@pgtyped/runtime';

export type NumberOrString = number | string;

/** 'RecordSale' parameters type */
export interface RecordSaleParams {
  amount: NumberOrString;
  productId: string;
  quantity: number;
  storeId: string;
}

/** 'RecordSale' return type */
export interface RecordSaleResult {
  id: string;
}

/** 'RecordSale' query type */
export interface RecordSaleQuery {
  params: RecordSaleParams;
  result: RecordSaleResult;
}

const recordSaleIR: any = {"usedParamSet":{"storeId":true,"productId":true,"quantity":true,"amount":true},"params":[{"name":"storeId","required":true,"transform":{"type":"scalar"},"locs":[{"a":74,"b":82}]},{"name":"productId","required":true,"transform":{"type":"scalar"},"locs":[{"a":85,"b":95}]},{"name":"quantity","required":true,"transform":{"type":"scalar"},"locs":[{"a":98,"b":107}]},{"name":"amount","required":true,"transform":{"type":"scalar"},"locs":[{"a":110,"b":117}]}],"statement":"insert into transactions (store_id, product_id, quantity, amount)\nvalues (:storeId!, :productId!, :quantity!, :amount!)\nreturning id"};

/**
 * Query generated from SQL:
 * ```
 * insert into transactions (store_id, product_id, quantity, amount)
 * values (:storeId!, :productId!, :quantity!, :amount!)
 * returning id
 * ```
 */
export const recordSale = new PreparedQuery<RecordSaleParams,RecordSaleResult>(recordSaleIR);


/** 'EnsureBrand' parameters type */
export interface EnsureBrandParams {
  name: string;
}

/** 'EnsureBrand' return type */
export type EnsureBrandResult = void;

/** 'EnsureBrand' query type */
export interface EnsureBrandQuery {
  params: EnsureBrandParams;
  result: EnsureBrandResult;
}

const ensureBrandIR: any = {"usedParamSet":{"name":true},"params":[{"name":"name","required":true,"transform":{"type":"scalar"},"locs":[{"a":34,"b":39}]}],"statement":"insert into brands (name) values (:name!) on conflict (name) do nothing"};

/**
 * Query generated from SQL:
 * ```
 * insert into brands (name) values (:name!) on conflict (name) do nothing
 * ```
 */
export const ensureBrand = new PreparedQuery<EnsureBrandParams,EnsureBrandResult>(ensureBrandIR);


/** 'EnsureCategory' parameters type */
export interface EnsureCategoryParams {
  name: string;
}

/** 'EnsureCategory' return type */
export type EnsureCategoryResult = void;

/** 'EnsureCategory' query type */
export interface EnsureCategoryQuery {
  params: EnsureCategoryParams;
  result: EnsureCategoryResult;
}

const ensureCategoryIR: any = {"usedParamSet":{"name":true},"params":[{"name":"name","required":true,"transform":{"type":"scalar"},"locs":[{"a":38,"b":43}]}],"statement":"insert into categories (name) values (:name!) on conflict (name) do nothing"};

/**
 * Query generated from SQL:
 * ```
 * insert into categories (name) values (:name!) on conflict (name) do nothing
 * ```
 */
export const ensureCategory = new PreparedQuery<EnsureCategoryParams,EnsureCategoryResult>(ensureCategoryIR);


/** 'AddProduct' parameters type */
export interface AddProductParams {
  brand: string;
  category: string;
  name: string;
  productId: string;
  unitPrice: NumberOrString;
}

/** 'AddProduct' return type */
export interface AddProductResult {
  product_id: string;
}

/** 'AddProduct' query type */
export interface AddProductQuery {
  params: AddProductParams;
  result: AddProductResult;
}

const addProductIR: any = {"usedParamSet":{"productId":true,"name":true,"unitPrice":true,"brand":true,"category":true},"params":[{"name":"productId","required":true,"transform":{"type":"scalar"},"locs":[{"a":82,"b":92}]},{"name":"name","required":true,"transform":{"type":"scalar"},"locs":[{"a":95,"b":100}]},{"name":"unitPrice","required":true,"transform":{"type":"scalar"},"locs":[{"a":130,"b":140}]},{"name":"brand","required":true,"transform":{"type":"scalar"},"locs":[{"a":185,"b":191}]},{"name":"category","required":true,"transform":{"type":"scalar"},"locs":[{"a":206,"b":215}]}],"statement":"insert into products (product_id, name, brand_id, category_id, unit_price)\nselect :productId!, :name!, b.brand_id, c.category_id, :unitPrice!\nfrom brands b, categories c\nwhere b.name = :brand! and c.name = :category!\nreturning product_id"};

/**
 * Query generated from SQL:
 * ```
 * insert into products (product_id, name, brand_id, category_id, unit_price)
 * select :productId!, :name!, b.brand_id, c.category_id, :unitPrice!
 * from brands b, categories c
 * where b.name = :brand! and c.name = :category!
 * returning product_id
 * ```
 */
export const addProduct = new PreparedQuery<AddProductParams,AddProductResult>(addProductIR);


/** 'SetProductPrice' parameters type */
export interface SetProductPriceParams {
  productId: string;
  unitPrice: NumberOrString;
}

/** 'SetProductPrice' return type */
export interface SetProductPriceResult {
  product_id: string;
  unit_price: string;
}

/** 'SetProductPrice' query type */
export interface SetProductPriceQuery {
  params: SetProductPriceParams;
  result: SetProductPriceResult;
}

const setProductPriceIR: any = {"usedParamSet":{"unitPrice":true,"productId":true},"params":[{"name":"unitPrice","required":true,"transform":{"type":"scalar"},"locs":[{"a":33,"b":43}]},{"name":"productId","required":true,"transform":{"type":"scalar"},"locs":[{"a":64,"b":74}]}],"statement":"update products set unit_price = :unitPrice! where product_id = :productId! returning product_id, unit_price"};

/**
 * Query generated from SQL:
 * ```
 * update products set unit_price = :unitPrice! where product_id = :productId! returning product_id, unit_price
 * ```
 */
export const setProductPrice = new PreparedQuery<SetProductPriceParams,SetProductPriceResult>(setProductPriceIR);


/** 'StoreSales' parameters type */
export interface StoreSalesParams {
  storeId: string;
}

/** 'StoreSales' return type */
export interface StoreSalesResult {
  name: string;
  revenue: string;
  sales: string;
}

/** 'StoreSales' query type */
export interface StoreSalesQuery {
  params: StoreSalesParams;
  result: StoreSalesResult;
}

const storeSalesIR: any = {"usedParamSet":{"storeId":true},"params":[{"name":"storeId","required":true,"transform":{"type":"scalar"},"locs":[{"a":166,"b":174}]}],"statement":"select s.name, count(t.id) as \"sales!\", coalesce(sum(t.amount), 0) as \"revenue!\"\nfrom stores s left join transactions t on t.store_id = s.store_id\nwhere s.store_id = :storeId!\ngroup by s.name"};

/**
 * Query generated from SQL:
 * ```
 * select s.name, count(t.id) as "sales!", coalesce(sum(t.amount), 0) as "revenue!"
 * from stores s left join transactions t on t.store_id = s.store_id
 * where s.store_id = :storeId!
 * group by s.name
 * ```
 */
export const storeSales = new PreparedQuery<StoreSalesParams,StoreSalesResult>(storeSalesIR);


/** 'RecentSalesByCategory' parameters type */
export interface RecentSalesByCategoryParams {
  sinceId: NumberOrString;
}

/** 'RecentSalesByCategory' return type */
export interface RecentSalesByCategoryResult {
  category: string;
  revenue: string;
  sales: string;
}

/** 'RecentSalesByCategory' query type */
export interface RecentSalesByCategoryQuery {
  params: RecentSalesByCategoryParams;
  result: RecentSalesByCategoryResult;
}

const recentSalesByCategoryIR: any = {"usedParamSet":{"sinceId":true},"params":[{"name":"sinceId","required":true,"transform":{"type":"scalar"},"locs":[{"a":208,"b":216}]}],"statement":"select c.name as category, count(*) as \"sales!\", sum(t.amount) as \"revenue!\"\nfrom transactions t\njoin products p on p.product_id = t.product_id\njoin categories c on c.category_id = p.category_id\nwhere t.id > :sinceId!\ngroup by c.name\norder by c.name"};

/**
 * Query generated from SQL:
 * ```
 * select c.name as category, count(*) as "sales!", sum(t.amount) as "revenue!"
 * from transactions t
 * join products p on p.product_id = t.product_id
 * join categories c on c.category_id = p.category_id
 * where t.id > :sinceId!
 * group by c.name
 * order by c.name
 * ```
 */
export const recentSalesByCategory = new PreparedQuery<RecentSalesByCategoryParams,RecentSalesByCategoryResult>(recentSalesByCategoryIR);


/** 'MedallionHealth' parameters type */
export type MedallionHealthParams = void;

/** 'MedallionHealth' return type */
export interface MedallionHealthResult {
  layer: string;
  populated: boolean;
  row_count: string | null;
  status: string;
  view_name: string;
}

/** 'MedallionHealth' query type */
export interface MedallionHealthQuery {
  params: MedallionHealthParams;
  result: MedallionHealthResult;
}

const medallionHealthIR: any = {"usedParamSet":{},"params":[],"statement":"select layer as \"layer!\", view_name as \"view_name!\", populated as \"populated!\", row_count, status as \"status!\"\nfrom check_medallion_health()"};

/**
 * Query generated from SQL:
 * ```
 * select layer as "layer!", view_name as "view_name!", populated as "populated!", row_count, status as "status!"
 * from check_medallion_health()
 * ```
 */
export const medallionHealth = new PreparedQuery<MedallionHealthParams,MedallionHealthResult>(medallionHealthIR);


