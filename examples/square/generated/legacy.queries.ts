/** Types generated for queries found in "app/legacy.sql" */
import { PreparedQuery } from '@pgtyped/runtime';

export type NumberOrString = number | string;

/** 'SignUpClient' parameters type */
export interface SignUpClientParams {
  customerId: string;
  email?: string | null | void;
  familyName: string;
  givenName: string;
  usedReferralCode?: string | null | void;
}

/** 'SignUpClient' return type */
export interface SignUpClientResult {
  id: string;
}

/** 'SignUpClient' query type */
export interface SignUpClientQuery {
  params: SignUpClientParams;
  result: SignUpClientResult;
}

const signUpClientIR: any = {"usedParamSet":{"customerId":true,"givenName":true,"familyName":true,"email":true,"usedReferralCode":true},"params":[{"name":"customerId","required":true,"transform":{"type":"scalar"},"locs":[{"a":125,"b":136}]},{"name":"givenName","required":true,"transform":{"type":"scalar"},"locs":[{"a":139,"b":149}]},{"name":"familyName","required":true,"transform":{"type":"scalar"},"locs":[{"a":152,"b":163}]},{"name":"email","required":false,"transform":{"type":"scalar"},"locs":[{"a":166,"b":171}]},{"name":"usedReferralCode","required":false,"transform":{"type":"scalar"},"locs":[{"a":174,"b":190}]}],"statement":"insert into square_existing_clients (square_customer_id, given_name, family_name, email_address, used_referral_code)\nvalues (:customerId!, :givenName!, :familyName!, :email, :usedReferralCode)\nreturning id"};

/**
 * Query generated from SQL:
 * ```
 * insert into square_existing_clients (square_customer_id, given_name, family_name, email_address, used_referral_code)
 * values (:customerId!, :givenName!, :familyName!, :email, :usedReferralCode)
 * returning id
 * ```
 */
export const signUpClient = new PreparedQuery<SignUpClientParams,SignUpClientResult>(signUpClientIR);


/** 'CreditReferrer' parameters type */
export interface CreditReferrerParams {
  code: string;
}

/** 'CreditReferrer' return type */
export interface CreditReferrerResult {
  square_customer_id: string;
}

/** 'CreditReferrer' query type */
export interface CreditReferrerQuery {
  params: CreditReferrerParams;
  result: CreditReferrerResult;
}

const creditReferrerIR: any = {"usedParamSet":{"code":true},"params":[{"name":"code","required":true,"transform":{"type":"scalar"},"locs":[{"a":95,"b":100}]}],"statement":"update square_existing_clients set total_referrals = total_referrals + 1\nwhere personal_code = :code!\nreturning square_customer_id"};

/**
 * Query generated from SQL:
 * ```
 * update square_existing_clients set total_referrals = total_referrals + 1
 * where personal_code = :code!
 * returning square_customer_id
 * ```
 */
export const creditReferrer = new PreparedQuery<CreditReferrerParams,CreditReferrerResult>(creditReferrerIR);


/** 'IssueGiftCard' parameters type */
export interface IssueGiftCardParams {
  amountCents: NumberOrString;
  customerId: string;
  deliveryMethod: string;
  gan: string;
  giftCardId: string;
  orderId?: string | null | void;
}

/** 'IssueGiftCard' return type */
export interface IssueGiftCardResult {
  square_customer_id: string;
}

/** 'IssueGiftCard' query type */
export interface IssueGiftCardQuery {
  params: IssueGiftCardParams;
  result: IssueGiftCardResult;
}

const issueGiftCardIR: any = {"usedParamSet":{"giftCardId":true,"gan":true,"orderId":true,"amountCents":true,"deliveryMethod":true,"customerId":true},"params":[{"name":"giftCardId","required":true,"transform":{"type":"scalar"},"locs":[{"a":50,"b":61}]},{"name":"gan","required":true,"transform":{"type":"scalar"},"locs":[{"a":80,"b":84}]},{"name":"orderId","required":false,"transform":{"type":"scalar"},"locs":[{"a":108,"b":115}]},{"name":"amountCents","required":true,"transform":{"type":"scalar"},"locs":[{"a":147,"b":159}]},{"name":"deliveryMethod","required":true,"transform":{"type":"scalar"},"locs":[{"a":190,"b":205}]},{"name":"customerId","required":true,"transform":{"type":"scalar"},"locs":[{"a":264,"b":275}]}],"statement":"update square_existing_clients\nset gift_card_id = :giftCardId!, gift_card_gan = :gan!, gift_card_order_id = :orderId,\n    gift_card_amount_cents = :amountCents!, gift_card_delivery_method = :deliveryMethod!, gift_card_created_at = now()\nwhere square_customer_id = :customerId!\nreturning square_customer_id"};

/**
 * Query generated from SQL:
 * ```
 * update square_existing_clients
 * set gift_card_id = :giftCardId!, gift_card_gan = :gan!, gift_card_order_id = :orderId,
 *     gift_card_amount_cents = :amountCents!, gift_card_delivery_method = :deliveryMethod!, gift_card_created_at = now()
 * where square_customer_id = :customerId!
 * returning square_customer_id
 * ```
 */
export const issueGiftCard = new PreparedQuery<IssueGiftCardParams,IssueGiftCardResult>(issueGiftCardIR);


/** 'CreateReferralCode' parameters type */
export interface CreateReferralCodeParams {
  code: string;
  customerId: string;
  referralCode: string;
  url: string;
}

/** 'CreateReferralCode' return type */
export interface CreateReferralCodeResult {
  square_customer_id: string;
}

/** 'CreateReferralCode' query type */
export interface CreateReferralCodeQuery {
  params: CreateReferralCodeParams;
  result: CreateReferralCodeResult;
}

const createReferralCodeIR: any = {"usedParamSet":{"code":true,"referralCode":true,"url":true,"customerId":true},"params":[{"name":"code","required":true,"transform":{"type":"scalar"},"locs":[{"a":51,"b":56}]},{"name":"referralCode","required":true,"transform":{"type":"scalar"},"locs":[{"a":75,"b":88}]},{"name":"url","required":true,"transform":{"type":"scalar"},"locs":[{"a":106,"b":110}]},{"name":"customerId","required":true,"transform":{"type":"scalar"},"locs":[{"a":139,"b":150}]}],"statement":"update square_existing_clients\nset personal_code = :code!, referral_code = :referralCode!, referral_url = :url!\nwhere square_customer_id = :customerId! and personal_code is null\nreturning square_customer_id"};

/**
 * Query generated from SQL:
 * ```
 * update square_existing_clients
 * set personal_code = :code!, referral_code = :referralCode!, referral_url = :url!
 * where square_customer_id = :customerId! and personal_code is null
 * returning square_customer_id
 * ```
 */
export const createReferralCode = new PreparedQuery<CreateReferralCodeParams,CreateReferralCodeResult>(createReferralCodeIR);


/** 'ClientProfile' parameters type */
export interface ClientProfileParams {
  customerId: string;
}

/** 'ClientProfile' return type */
export interface ClientProfileResult {
  family_name: string | null;
  gift_card_amount_cents: string | null;
  gift_card_gan: string | null;
  gift_card_id: string | null;
  given_name: string | null;
  personal_code: string | null;
  referral_url: string | null;
  square_customer_id: string;
  total_referrals: number;
  used_referral_code: string | null;
}

/** 'ClientProfile' query type */
export interface ClientProfileQuery {
  params: ClientProfileParams;
  result: ClientProfileResult;
}

const clientProfileIR: any = {"usedParamSet":{"customerId":true},"params":[{"name":"customerId","required":true,"transform":{"type":"scalar"},"locs":[{"a":233,"b":244}]}],"statement":"select square_customer_id, given_name, family_name, gift_card_id, gift_card_gan, gift_card_amount_cents,\n       personal_code, referral_url, total_referrals, used_referral_code\nfrom square_existing_clients\nwhere square_customer_id = :customerId!"};

/**
 * Query generated from SQL:
 * ```
 * select square_customer_id, given_name, family_name, gift_card_id, gift_card_gan, gift_card_amount_cents,
 *        personal_code, referral_url, total_referrals, used_referral_code
 * from square_existing_clients
 * where square_customer_id = :customerId!
 * ```
 */
export const clientProfile = new PreparedQuery<ClientProfileParams,ClientProfileResult>(clientProfileIR);


/** 'TopReferrers' parameters type */
export type TopReferrersParams = void;

/** 'TopReferrers' return type */
export interface TopReferrersResult {
  personal_code: string | null;
  square_customer_id: string;
  total_referrals: number;
}

/** 'TopReferrers' query type */
export interface TopReferrersQuery {
  params: TopReferrersParams;
  result: TopReferrersResult;
}

const topReferrersIR: any = {"usedParamSet":{},"params":[],"statement":"select square_customer_id, personal_code, total_referrals\nfrom square_existing_clients\nwhere personal_code is not null\norder by total_referrals desc, square_customer_id\nlimit 5"};

/**
 * Query generated from SQL:
 * ```
 * select square_customer_id, personal_code, total_referrals
 * from square_existing_clients
 * where personal_code is not null
 * order by total_referrals desc, square_customer_id
 * limit 5
 * ```
 */
export const topReferrers = new PreparedQuery<TopReferrersParams,TopReferrersResult>(topReferrersIR);


