/** Types generated for queries found in "app/modern.sql" */
import { PreparedQuery } from '@pgtyped/runtime';

export type NumberOrString = number | string;

/** 'SignUpClient' parameters type */
export interface SignUpClientParams {
  customerId: string;
  email?: string | null | void;
  familyName: string;
  givenName: string;
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

const signUpClientIR: any = {"usedParamSet":{"customerId":true,"givenName":true,"familyName":true,"email":true},"params":[{"name":"customerId","required":true,"transform":{"type":"scalar"},"locs":[{"a":105,"b":116}]},{"name":"givenName","required":true,"transform":{"type":"scalar"},"locs":[{"a":119,"b":129}]},{"name":"familyName","required":true,"transform":{"type":"scalar"},"locs":[{"a":132,"b":143}]},{"name":"email","required":false,"transform":{"type":"scalar"},"locs":[{"a":146,"b":151}]}],"statement":"insert into square_existing_clients (square_customer_id, given_name, family_name, email_address)\nvalues (:customerId!, :givenName!, :familyName!, :email)\nreturning id"};

/**
 * Query generated from SQL:
 * ```
 * insert into square_existing_clients (square_customer_id, given_name, family_name, email_address)
 * values (:customerId!, :givenName!, :familyName!, :email)
 * returning id
 * ```
 */
export const signUpClient = new PreparedQuery<SignUpClientParams,SignUpClientResult>(signUpClientIR);


/** 'RecordReferral' parameters type */
export interface RecordReferralParams {
  code: string;
  customerId: string;
}

/** 'RecordReferral' return type */
export type RecordReferralResult = void;

/** 'RecordReferral' query type */
export interface RecordReferralQuery {
  params: RecordReferralParams;
  result: RecordReferralResult;
}

const recordReferralIR: any = {"usedParamSet":{"customerId":true,"code":true},"params":[{"name":"customerId","required":true,"transform":{"type":"scalar"},"locs":[{"a":72,"b":83}]},{"name":"code","required":true,"transform":{"type":"scalar"},"locs":[{"a":86,"b":91}]}],"statement":"insert into referral_profiles (customer_id, used_referral_code)\nvalues (:customerId!, :code!)\non conflict (customer_id) do update set used_referral_code = excluded.used_referral_code"};

/**
 * Query generated from SQL:
 * ```
 * insert into referral_profiles (customer_id, used_referral_code)
 * values (:customerId!, :code!)
 * on conflict (customer_id) do update set used_referral_code = excluded.used_referral_code
 * ```
 */
export const recordReferral = new PreparedQuery<RecordReferralParams,RecordReferralResult>(recordReferralIR);


/** 'CreditReferrer' parameters type */
export interface CreditReferrerParams {
  code: string;
}

/** 'CreditReferrer' return type */
export interface CreditReferrerResult {
  customer_id: string;
}

/** 'CreditReferrer' query type */
export interface CreditReferrerQuery {
  params: CreditReferrerParams;
  result: CreditReferrerResult;
}

const creditReferrerIR: any = {"usedParamSet":{"code":true},"params":[{"name":"code","required":true,"transform":{"type":"scalar"},"locs":[{"a":89,"b":94}]}],"statement":"update referral_profiles set total_referrals = total_referrals + 1\nwhere personal_code = :code!\nreturning customer_id"};

/**
 * Query generated from SQL:
 * ```
 * update referral_profiles set total_referrals = total_referrals + 1
 * where personal_code = :code!
 * returning customer_id
 * ```
 */
export const creditReferrer = new PreparedQuery<CreditReferrerParams,CreditReferrerResult>(creditReferrerIR);


/** 'RewardReferrer' parameters type */
export interface RewardReferrerParams {
  amountCents: NumberOrString;
  referredId: string;
  referrerId: string;
}

/** 'RewardReferrer' return type */
export type RewardReferrerResult = void;

/** 'RewardReferrer' query type */
export interface RewardReferrerQuery {
  params: RewardReferrerParams;
  result: RewardReferrerResult;
}

const rewardReferrerIR: any = {"usedParamSet":{"referrerId":true,"referredId":true,"amountCents":true},"params":[{"name":"referrerId","required":true,"transform":{"type":"scalar"},"locs":[{"a":96,"b":107}]},{"name":"referredId","required":true,"transform":{"type":"scalar"},"locs":[{"a":110,"b":121}]},{"name":"amountCents","required":true,"transform":{"type":"scalar"},"locs":[{"a":124,"b":136}]}],"statement":"insert into referral_rewards (referrer_customer_id, referred_customer_id, amount_cents)\nvalues (:referrerId!, :referredId!, :amountCents!)"};

/**
 * Query generated from SQL:
 * ```
 * insert into referral_rewards (referrer_customer_id, referred_customer_id, amount_cents)
 * values (:referrerId!, :referredId!, :amountCents!)
 * ```
 */
export const rewardReferrer = new PreparedQuery<RewardReferrerParams,RewardReferrerResult>(rewardReferrerIR);


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
  gift_card_id: string;
}

/** 'IssueGiftCard' query type */
export interface IssueGiftCardQuery {
  params: IssueGiftCardParams;
  result: IssueGiftCardResult;
}

const issueGiftCardIR: any = {"usedParamSet":{"giftCardId":true,"customerId":true,"gan":true,"orderId":true,"amountCents":true,"deliveryMethod":true},"params":[{"name":"giftCardId","required":true,"transform":{"type":"scalar"},"locs":[{"a":136,"b":147}]},{"name":"customerId","required":true,"transform":{"type":"scalar"},"locs":[{"a":150,"b":161}]},{"name":"gan","required":true,"transform":{"type":"scalar"},"locs":[{"a":164,"b":168}]},{"name":"orderId","required":false,"transform":{"type":"scalar"},"locs":[{"a":171,"b":178}]},{"name":"amountCents","required":true,"transform":{"type":"scalar"},"locs":[{"a":181,"b":193}]},{"name":"deliveryMethod","required":true,"transform":{"type":"scalar"},"locs":[{"a":196,"b":211}]}],"statement":"insert into gift_cards (gift_card_id, customer_id, gan, activation_order_id, initial_amount_cents, delivery_method, created_at)\nvalues (:giftCardId!, :customerId!, :gan!, :orderId, :amountCents!, :deliveryMethod!, now())\nreturning gift_card_id"};

/**
 * Query generated from SQL:
 * ```
 * insert into gift_cards (gift_card_id, customer_id, gan, activation_order_id, initial_amount_cents, delivery_method, created_at)
 * values (:giftCardId!, :customerId!, :gan!, :orderId, :amountCents!, :deliveryMethod!, now())
 * returning gift_card_id
 * ```
 */
export const issueGiftCard = new PreparedQuery<IssueGiftCardParams,IssueGiftCardResult>(issueGiftCardIR);


/** 'RecordGiftCardMovement' parameters type */
export interface RecordGiftCardMovementParams {
  amountCents: NumberOrString;
  giftCardId: string;
  kind: string;
  orderId?: string | null | void;
}

/** 'RecordGiftCardMovement' return type */
export type RecordGiftCardMovementResult = void;

/** 'RecordGiftCardMovement' query type */
export interface RecordGiftCardMovementQuery {
  params: RecordGiftCardMovementParams;
  result: RecordGiftCardMovementResult;
}

const recordGiftCardMovementIR: any = {"usedParamSet":{"giftCardId":true,"kind":true,"amountCents":true,"orderId":true},"params":[{"name":"giftCardId","required":true,"transform":{"type":"scalar"},"locs":[{"a":88,"b":99}]},{"name":"kind","required":true,"transform":{"type":"scalar"},"locs":[{"a":102,"b":107}]},{"name":"amountCents","required":true,"transform":{"type":"scalar"},"locs":[{"a":110,"b":122}]},{"name":"orderId","required":false,"transform":{"type":"scalar"},"locs":[{"a":125,"b":132}]}],"statement":"insert into gift_card_transactions (gift_card_id, kind, amount_cents, order_id)\nvalues (:giftCardId!, :kind!, :amountCents!, :orderId)"};

/**
 * Query generated from SQL:
 * ```
 * insert into gift_card_transactions (gift_card_id, kind, amount_cents, order_id)
 * values (:giftCardId!, :kind!, :amountCents!, :orderId)
 * ```
 */
export const recordGiftCardMovement = new PreparedQuery<RecordGiftCardMovementParams,RecordGiftCardMovementResult>(recordGiftCardMovementIR);


/** 'CreateReferralProfile' parameters type */
export interface CreateReferralProfileParams {
  code: string;
  customerId: string;
  referralCode: string;
  url: string;
}

/** 'CreateReferralProfile' return type */
export interface CreateReferralProfileResult {
  customer_id: string;
}

/** 'CreateReferralProfile' query type */
export interface CreateReferralProfileQuery {
  params: CreateReferralProfileParams;
  result: CreateReferralProfileResult;
}

const createReferralProfileIR: any = {"usedParamSet":{"customerId":true,"code":true,"referralCode":true,"url":true},"params":[{"name":"customerId","required":true,"transform":{"type":"scalar"},"locs":[{"a":96,"b":107}]},{"name":"code","required":true,"transform":{"type":"scalar"},"locs":[{"a":110,"b":115}]},{"name":"referralCode","required":true,"transform":{"type":"scalar"},"locs":[{"a":118,"b":131}]},{"name":"url","required":true,"transform":{"type":"scalar"},"locs":[{"a":134,"b":138}]}],"statement":"insert into referral_profiles (customer_id, personal_code, referral_code, referral_url)\nvalues (:customerId!, :code!, :referralCode!, :url!)\non conflict (customer_id) do update\n  set personal_code = excluded.personal_code, referral_code = excluded.referral_code, referral_url = excluded.referral_url\n  where referral_profiles.personal_code is null\nreturning customer_id"};

/**
 * Query generated from SQL:
 * ```
 * insert into referral_profiles (customer_id, personal_code, referral_code, referral_url)
 * values (:customerId!, :code!, :referralCode!, :url!)
 * on conflict (customer_id) do update
 *   set personal_code = excluded.personal_code, referral_code = excluded.referral_code, referral_url = excluded.referral_url
 *   where referral_profiles.personal_code is null
 * returning customer_id
 * ```
 */
export const createReferralProfile = new PreparedQuery<CreateReferralProfileParams,CreateReferralProfileResult>(createReferralProfileIR);


/** 'GiftCardBalance' parameters type */
export interface GiftCardBalanceParams {
  giftCardId: string;
}

/** 'GiftCardBalance' return type */
export interface GiftCardBalanceResult {
  balance_cents: string;
  gift_card_id: string;
}

/** 'GiftCardBalance' query type */
export interface GiftCardBalanceQuery {
  params: GiftCardBalanceParams;
  result: GiftCardBalanceResult;
}

const giftCardBalanceIR: any = {"usedParamSet":{"giftCardId":true},"params":[{"name":"giftCardId","required":true,"transform":{"type":"scalar"},"locs":[{"a":248,"b":259}]}],"statement":"select g.gift_card_id, g.initial_amount_cents + coalesce(sum(t.amount_cents) filter (where t.kind <> 'ACTIVATE'), 0) as \"balance_cents!\"\nfrom gift_cards g left join gift_card_transactions t on t.gift_card_id = g.gift_card_id\nwhere g.gift_card_id = :giftCardId!\ngroup by g.gift_card_id, g.initial_amount_cents"};

/**
 * Query generated from SQL:
 * ```
 * select g.gift_card_id, g.initial_amount_cents + coalesce(sum(t.amount_cents) filter (where t.kind <> 'ACTIVATE'), 0) as "balance_cents!"
 * from gift_cards g left join gift_card_transactions t on t.gift_card_id = g.gift_card_id
 * where g.gift_card_id = :giftCardId!
 * group by g.gift_card_id, g.initial_amount_cents
 * ```
 */
export const giftCardBalance = new PreparedQuery<GiftCardBalanceParams,GiftCardBalanceResult>(giftCardBalanceIR);


/** 'ReferralProfile' parameters type */
export interface ReferralProfileParams {
  customerId: string;
}

/** 'ReferralProfile' return type */
export interface ReferralProfileResult {
  customer_id: string;
  personal_code: string | null;
  referral_url: string | null;
  total_referrals: number;
  used_referral_code: string | null;
}

/** 'ReferralProfile' query type */
export interface ReferralProfileQuery {
  params: ReferralProfileParams;
  result: ReferralProfileResult;
}

const referralProfileIR: any = {"usedParamSet":{"customerId":true},"params":[{"name":"customerId","required":true,"transform":{"type":"scalar"},"locs":[{"a":128,"b":139}]}],"statement":"select customer_id, personal_code, referral_url, total_referrals, used_referral_code\nfrom referral_profiles where customer_id = :customerId!"};

/**
 * Query generated from SQL:
 * ```
 * select customer_id, personal_code, referral_url, total_referrals, used_referral_code
 * from referral_profiles where customer_id = :customerId!
 * ```
 */
export const referralProfile = new PreparedQuery<ReferralProfileParams,ReferralProfileResult>(referralProfileIR);


