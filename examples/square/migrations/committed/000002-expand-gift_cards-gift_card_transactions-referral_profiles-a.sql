--! Previous: sha1:dbcdbe4d17cb1e81c0aa214bc818800e04171e4b
--! Hash: sha1:1d0a0ea10bdf7f690db9804c4c4f0039f53f3be4
--! Message: Expand: gift_cards, gift_card_transactions, referral_profiles and referral_rewards, bridged to square_existing_clients

-- Expand: gift cards and referral profiles move out of square_existing_clients into their own tables,
-- kept in sync by tandem from now on (no application dual writes).
set local lock_timeout = '2s';
select tandem.create_migration('client_split', 'square_existing_clients gift card and referral columns to gift_cards and referral_profiles');

create table gift_cards (
  gift_card_id         text primary key,
  customer_id          text not null,
  gan                  text not null unique,
  activation_order_id  text,
  initial_amount_cents bigint not null default 0 check (initial_amount_cents >= 0),
  delivery_method      text check (delivery_method in ('EMAIL', 'SMS')),
  created_at           timestamptz
);
create index gift_cards_customer_id_idx on gift_cards (customer_id);

-- New in the modern schema (the legacy table has no room for them): every movement of a card.
create table gift_card_transactions (
  id           bigint generated always as identity primary key,
  gift_card_id text not null references gift_cards on delete cascade,
  kind         text not null check (kind in ('ACTIVATE', 'REDEEM', 'ADJUST')),
  amount_cents bigint not null,
  order_id     text,
  created_at   timestamptz not null default now()
);
create index gift_card_transactions_gift_card_id_idx on gift_card_transactions (gift_card_id);

create table referral_profiles (
  customer_id        text primary key,
  personal_code      text unique,
  referral_code      text,
  referral_url       text,
  total_referrals    integer not null default 0 check (total_referrals >= 0),
  used_referral_code text
);
create index referral_profiles_used_referral_code_idx on referral_profiles (used_referral_code);

-- New in the modern schema: each reward a referrer earned.
create table referral_rewards (
  id                   bigint generated always as identity primary key,
  referrer_customer_id text not null references referral_profiles on delete cascade,
  referred_customer_id text not null,
  amount_cents         bigint not null check (amount_cents > 0),
  created_at           timestamptz not null default now()
);
create index referral_rewards_referrer_idx on referral_rewards (referrer_customer_id);

-- A client's gift card columns are one gift card; clients without one have no twin (the filter). A
-- deleted gift card clears the client's gift card columns; the client stays.
select tandem.bridge('client_split', 'gift_cards', legacy => 'square_existing_clients', modern => 'gift_cards',
  key      => '{"gift_card_id": "gift_card_id"}',
  forward  => '{"customer_id": "square_customer_id", "gan": "gift_card_gan",
                "activation_order_id": "gift_card_order_id",
                "initial_amount_cents": "coalesce(gift_card_amount_cents, 0)",
                "delivery_method": "gift_card_delivery_method", "created_at": "gift_card_created_at"}',
  backward => '{"square_customer_id": "customer_id", "gift_card_gan": "gan", "gift_card_order_id": "activation_order_id",
                "gift_card_amount_cents": "initial_amount_cents", "gift_card_delivery_method": "delivery_method",
                "gift_card_created_at": "created_at"}',
  filter   => 'gift_card_id is not null',
  options  => '{"on_modern_delete": "nullify"}');

select tandem.bridge('client_split', 'referral_profiles', legacy => 'square_existing_clients', modern => 'referral_profiles',
  key      => '{"customer_id": "square_customer_id"}',
  forward  => '{"personal_code": "personal_code", "referral_code": "referral_code", "referral_url": "referral_url",
                "total_referrals": "total_referrals", "used_referral_code": "used_referral_code"}',
  backward => '{"personal_code": "personal_code", "referral_code": "referral_code", "referral_url": "referral_url",
                "total_referrals": "total_referrals", "used_referral_code": "used_referral_code"}',
  filter   => 'personal_code is not null or used_referral_code is not null',
  options  => '{"on_modern_delete": "nullify"}');

-- The validation script's five checks are verify_migration's own (gift cards missing either way and
-- differing, referral data missing, personal_code and used_referral_code differing); these two check
-- what no single row shows.
select tandem.add_check('client_split', 'referral_totals', $$
  select p.customer_id, p.total_referrals, count(r.customer_id) as referrals
  from referral_profiles p
  left join referral_profiles r on r.used_referral_code = p.personal_code
  where p.personal_code is not null
  group by p.customer_id, p.total_referrals
  having p.total_referrals <> count(r.customer_id)
$$);
select tandem.add_check('client_split', 'used_codes_exist', $$
  select r.customer_id, r.used_referral_code from referral_profiles r
  where r.used_referral_code is not null
    and not exists (select from referral_profiles p where p.personal_code = r.used_referral_code)
$$);

select tandem.expand('client_split');
