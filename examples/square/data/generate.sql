/*
 * Deterministic Square clients: 50,000 at scale 1 (the setting example.scale sets it: psql with
 * PGOPTIONS='-c example.scale=0.1'). About a third hold a gift card, two in five have a personal
 * referral code, a quarter signed up with someone's code, and some have neither. Values come from the
 * row number, never from random(), so a scale always gives the same rows.
 */
insert into square_existing_clients (
  square_customer_id, given_name, family_name, email_address, phone_number, created_at,
  gift_card_id, gift_card_gan, gift_card_order_id, gift_card_amount_cents, gift_card_delivery_method, gift_card_created_at,
  personal_code, referral_code, referral_url, used_referral_code)
select format('CUST%s', lpad(n::text, 8, '0')),
       (array['Ana', 'Ben', 'Carla', 'Dan', 'Elena', 'Felix', 'Gina', 'Hugo'])[1 + n % 8],
       (array['Reyes', 'Santos', 'Cruz', 'Garcia', 'Lopez', 'Tan', 'Lim'])[1 + (n * 3) % 7],
       case when n % 9 = 0 then null else format('client%s@example.com', n) end,
       case when n % 4 = 0 then null else format('+1555%s', lpad((n * 7919 % 10000000)::text, 7, '0')) end,
       timestamptz '2024-01-01 00:00:00+00' + make_interval(mins => n * 7),
       case when n % 3 = 0 then format('gftc:%s', md5('card' || n)) end,
       case when n % 3 = 0 then lpad((n::bigint * 104729 % 10000000000000000)::text, 16, '0') end,
       case when n % 3 = 0 and n % 2 = 0 then format('ORD-%s', n) end,
       case when n % 3 = 0 then 1000 * (1 + n % 10) end,
       case when n % 3 = 0 then (array['EMAIL', 'SMS'])[1 + n % 2] end,
       case when n % 3 = 0 then timestamptz '2024-01-01 00:00:00+00' + make_interval(mins => n * 7 + 30) end,
       case when n % 5 in (1, 2) then upper(substr(md5('code' || n), 1, 8)) end,
       case when n % 5 in (1, 2) then format('REF-%s', n) end,
       case when n % 5 in (1, 2) then format('https://example.com/r/%s', upper(substr(md5('code' || n), 1, 8))) end,
       -- every fourth client used the code of an earlier client that has one
       case when n % 4 = 3 and n > 10 then upper(substr(md5('code' || (n - 1 - (n - 1) % 5 + 1)), 1, 8)) end
from generate_series(1, greatest(10, round(50000 * coalesce(nullif(current_setting('example.scale', true), ''), '1')::numeric)::int)) as n;

-- Each code's referral count, as the legacy app maintains it.
update square_existing_clients c set total_referrals = r.uses
from (select used_referral_code as code, count(*) as uses from square_existing_clients
      where used_referral_code is not null group by 1) as r
where c.personal_code = r.code;

analyze square_existing_clients;
