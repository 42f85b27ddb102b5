/** Types generated for queries found in "app/legacy.sql" */
import { PreparedQuery } from '@pgtyped/runtime';

export type NumberOrString = number | string;

/** 'RecordSale' parameters type */
export interface RecordSaleParams {
  amount: NumberOrString;
  productId: number;
  quantity: number;
  storeId: number;
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

const recordSaleIR: any = {"usedParamSet":{"storeId":true,"productId":true,"quantity":true,"amount":true},"params":[{"name":"storeId","required":true,"transform":{"type":"scalar"},"locs":[{"a":83,"b":91}]},{"name":"productId","required":true,"transform":{"type":"scalar"},"locs":[{"a":94,"b":104}]},{"name":"quantity","required":true,"transform":{"type":"scalar"},"locs":[{"a":107,"b":116}]},{"name":"amount","required":true,"transform":{"type":"scalar"},"locs":[{"a":119,"b":126}]}],"statement":"insert into transactions (geography_id, organization_id, quantity, amount)\nvalues (:storeId!, :productId!, :quantity!, :amount!)\nreturning id"};

/**
 * Query generated from SQL:
 * ```
 * insert into transactions (geography_id, organization_id, quantity, amount)
 * values (:storeId!, :productId!, :quantity!, :amount!)
 * returning id
 * ```
 */
export const recordSale = new PreparedQuery<RecordSaleParams,RecordSaleResult>(recordSaleIR);


/** 'OpenStore' parameters type */
export interface OpenStoreParams {
  city: string;
  id: number;
  name: string;
  region: string;
}

/** 'OpenStore' return type */
export type OpenStoreResult = void;

/** 'OpenStore' query type */
export interface OpenStoreQuery {
  params: OpenStoreParams;
  result: OpenStoreResult;
}

const openStoreIR: any = {"usedParamSet":{"id":true,"name":true,"region":true,"city":true},"params":[{"name":"id","required":true,"transform":{"type":"scalar"},"locs":[{"a":61,"b":64}]},{"name":"name","required":true,"transform":{"type":"scalar"},"locs":[{"a":67,"b":72}]},{"name":"region","required":true,"transform":{"type":"scalar"},"locs":[{"a":75,"b":82}]},{"name":"city","required":true,"transform":{"type":"scalar"},"locs":[{"a":85,"b":90}]}],"statement":"insert into geography (id, store_name, region, city)\nvalues (:id!, :name!, :region!, :city!)"};

/**
 * Query generated from SQL:
 * ```
 * insert into geography (id, store_name, region, city)
 * values (:id!, :name!, :region!, :city!)
 * ```
 */
export const openStore = new PreparedQuery<OpenStoreParams,OpenStoreResult>(openStoreIR);


/** 'AddProduct' parameters type */
export interface AddProductParams {
  brand: string;
  category: string;
  id: number;
  name: string;
  unitPrice: NumberOrString;
}

/** 'AddProduct' return type */
export interface AddProductResult {
  brand: string | null;
  category: string | null;
  id: number | null;
}

/** 'AddProduct' query type */
export interface AddProductQuery {
  params: AddProductParams;
  result: AddProductResult;
}

const addProductIR: any = {"usedParamSet":{"id":true,"name":true,"brand":true,"category":true,"unitPrice":true},"params":[{"name":"id","required":true,"transform":{"type":"scalar"},"locs":[{"a":81,"b":84}]},{"name":"name","required":true,"transform":{"type":"scalar"},"locs":[{"a":87,"b":92}]},{"name":"brand","required":true,"transform":{"type":"scalar"},"locs":[{"a":95,"b":101}]},{"name":"category","required":true,"transform":{"type":"scalar"},"locs":[{"a":104,"b":113}]},{"name":"unitPrice","required":true,"transform":{"type":"scalar"},"locs":[{"a":116,"b":126}]}],"statement":"insert into organization (id, product_name, brand, category, unit_price)\nvalues (:id!, :name!, :brand!, :category!, :unitPrice!)\nreturning id, brand, category"};

/**
 * Query generated from SQL:
 * ```
 * insert into organization (id, product_name, brand, category, unit_price)
 * values (:id!, :name!, :brand!, :category!, :unitPrice!)
 * returning id, brand, category
 * ```
 */
export const addProduct = new PreparedQuery<AddProductParams,AddProductResult>(addProductIR);


/** 'SetProductPrice' parameters type */
export interface SetProductPriceParams {
  id: number;
  unitPrice: NumberOrString;
}

/** 'SetProductPrice' return type */
export interface SetProductPriceResult {
  id: number | null;
  unit_price: string | null;
}

/** 'SetProductPrice' query type */
export interface SetProductPriceQuery {
  params: SetProductPriceParams;
  result: SetProductPriceResult;
}

const setProductPriceIR: any = {"usedParamSet":{"unitPrice":true,"id":true},"params":[{"name":"unitPrice","required":true,"transform":{"type":"scalar"},"locs":[{"a":37,"b":47}]},{"name":"id","required":true,"transform":{"type":"scalar"},"locs":[{"a":60,"b":63}]}],"statement":"update organization set unit_price = :unitPrice! where id = :id! returning id, unit_price"};

/**
 * Query generated from SQL:
 * ```
 * update organization set unit_price = :unitPrice! where id = :id! returning id, unit_price
 * ```
 */
export const setProductPrice = new PreparedQuery<SetProductPriceParams,SetProductPriceResult>(setProductPriceIR);


/** 'ProductCatalog' parameters type */
export type ProductCatalogParams = void;

/** 'ProductCatalog' return type */
export interface ProductCatalogResult {
  brand: string | null;
  category: string | null;
  id: number | null;
  product_name: string | null;
  unit_price: string | null;
}

/** 'ProductCatalog' query type */
export interface ProductCatalogQuery {
  params: ProductCatalogParams;
  result: ProductCatalogResult;
}

const productCatalogIR: any = {"usedParamSet":{},"params":[],"statement":"select id, product_name, brand, category, unit_price from organization order by id"};

/**
 * Query generated from SQL:
 * ```
 * select id, product_name, brand, category, unit_price from organization order by id
 * ```
 */
export const productCatalog = new PreparedQuery<ProductCatalogParams,ProductCatalogResult>(productCatalogIR);


/** 'StoreList' parameters type */
export type StoreListParams = void;

/** 'StoreList' return type */
export interface StoreListResult {
  city: string | null;
  id: number | null;
  region: string | null;
  store_name: string | null;
}

/** 'StoreList' query type */
export interface StoreListQuery {
  params: StoreListParams;
  result: StoreListResult;
}

const storeListIR: any = {"usedParamSet":{},"params":[],"statement":"select id, store_name, region, city from geography order by id"};

/**
 * Query generated from SQL:
 * ```
 * select id, store_name, region, city from geography order by id
 * ```
 */
export const storeList = new PreparedQuery<StoreListParams,StoreListResult>(storeListIR);


/** 'StoreSales' parameters type */
export interface StoreSalesParams {
  storeId: number;
}

/** 'StoreSales' return type */
export interface StoreSalesResult {
  revenue: string;
  sales: string;
  store_name: string | null;
}

/** 'StoreSales' query type */
export interface StoreSalesQuery {
  params: StoreSalesParams;
  result: StoreSalesResult;
}

const storeSalesIR: any = {"usedParamSet":{"storeId":true},"params":[{"name":"storeId","required":true,"transform":{"type":"scalar"},"locs":[{"a":167,"b":175}]}],"statement":"select g.store_name, count(t.id) as \"sales!\", coalesce(sum(t.amount), 0) as \"revenue!\"\nfrom geography g left join transactions t on t.geography_id = g.id\nwhere g.id = :storeId!\ngroup by g.store_name"};

/**
 * Query generated from SQL:
 * ```
 * select g.store_name, count(t.id) as "sales!", coalesce(sum(t.amount), 0) as "revenue!"
 * from geography g left join transactions t on t.geography_id = g.id
 * where g.id = :storeId!
 * group by g.store_name
 * ```
 */
export const storeSales = new PreparedQuery<StoreSalesParams,StoreSalesResult>(storeSalesIR);


/** 'RecentSalesByBrand' parameters type */
export interface RecentSalesByBrandParams {
  sinceId: NumberOrString;
}

/** 'RecentSalesByBrand' return type */
export interface RecentSalesByBrandResult {
  brand: string | null;
  revenue: string;
  sales: string;
}

/** 'RecentSalesByBrand' query type */
export interface RecentSalesByBrandQuery {
  params: RecentSalesByBrandParams;
  result: RecentSalesByBrandResult;
}

const recentSalesByBrandIR: any = {"usedParamSet":{"sinceId":true},"params":[{"name":"sinceId","required":true,"transform":{"type":"scalar"},"locs":[{"a":147,"b":155}]}],"statement":"select o.brand, count(*) as \"sales!\", sum(t.amount) as \"revenue!\"\nfrom transactions t join organization o on o.id = t.organization_id\nwhere t.id > :sinceId!\ngroup by o.brand\norder by o.brand"};

/**
 * Query generated from SQL:
 * ```
 * select o.brand, count(*) as "sales!", sum(t.amount) as "revenue!"
 * from transactions t join organization o on o.id = t.organization_id
 * where t.id > :sinceId!
 * group by o.brand
 * order by o.brand
 * ```
 */
export const recentSalesByBrand = new PreparedQuery<RecentSalesByBrandParams,RecentSalesByBrandResult>(recentSalesByBrandIR);


