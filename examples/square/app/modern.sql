/* The new client app: clients' core data stays in square_existing_clients; gift cards and referrals
   are in their own tables, with movements and rewards the legacy table had no room for. */

/* @name signUpClient */
insert into square_existing_clients (square_customer_id, given_name, family_name, email_address)
values (:customerId!, :givenName!, :familyName!, :email)
returning id;

/* @name recordReferral */
insert into referral_profiles (customer_id, used_referral_code)
values (:customerId!, :code!)
on conflict (customer_id) do update set used_referral_code = excluded.used_referral_code;

/* @name creditReferrer */
update referral_profiles set total_referrals = total_referrals + 1
where personal_code = :code!
returning customer_id;

/* @name rewardReferrer */
insert into referral_rewards (referrer_customer_id, referred_customer_id, amount_cents)
values (:referrerId!, :referredId!, :amountCents!);

/* @name issueGiftCard */
insert into gift_cards (gift_card_id, customer_id, gan, activation_order_id, initial_amount_cents, delivery_method, created_at)
values (:giftCardId!, :customerId!, :gan!, :orderId, :amountCents!, :deliveryMethod!, now())
returning gift_card_id;

/* @name recordGiftCardMovement */
insert into gift_card_transactions (gift_card_id, kind, amount_cents, order_id)
values (:giftCardId!, :kind!, :amountCents!, :orderId);

/* @name createReferralProfile */
insert into referral_profiles (customer_id, personal_code, referral_code, referral_url)
values (:customerId!, :code!, :referralCode!, :url!)
on conflict (customer_id) do update
  set personal_code = excluded.personal_code, referral_code = excluded.referral_code, referral_url = excluded.referral_url
  where referral_profiles.personal_code is null
returning customer_id;

/* @name giftCardBalance */
select g.gift_card_id, g.initial_amount_cents + coalesce(sum(t.amount_cents) filter (where t.kind <> 'ACTIVATE'), 0) as "balance_cents!"
from gift_cards g left join gift_card_transactions t on t.gift_card_id = g.gift_card_id
where g.gift_card_id = :giftCardId!
group by g.gift_card_id, g.initial_amount_cents;

/* @name referralProfile */
select customer_id, personal_code, referral_url, total_referrals, used_referral_code
from referral_profiles where customer_id = :customerId!;
