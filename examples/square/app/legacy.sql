/* The legacy client app: everything about a client is a column of square_existing_clients. It is
   never changed during the migration. */

/* @name signUpClient */
insert into square_existing_clients (square_customer_id, given_name, family_name, email_address, used_referral_code)
values (:customerId!, :givenName!, :familyName!, :email, :usedReferralCode)
returning id;

/* @name creditReferrer */
update square_existing_clients set total_referrals = total_referrals + 1
where personal_code = :code!
returning square_customer_id;

/* @name issueGiftCard */
update square_existing_clients
set gift_card_id = :giftCardId!, gift_card_gan = :gan!, gift_card_order_id = :orderId,
    gift_card_amount_cents = :amountCents!, gift_card_delivery_method = :deliveryMethod!, gift_card_created_at = now()
where square_customer_id = :customerId!
returning square_customer_id;

/* @name createReferralCode */
update square_existing_clients
set personal_code = :code!, referral_code = :referralCode!, referral_url = :url!
where square_customer_id = :customerId! and personal_code is null
returning square_customer_id;

/* @name clientProfile */
select square_customer_id, given_name, family_name, gift_card_id, gift_card_gan, gift_card_amount_cents,
       personal_code, referral_url, total_referrals, used_referral_code
from square_existing_clients
where square_customer_id = :customerId!;

/* @name topReferrers */
select square_customer_id, personal_code, total_referrals
from square_existing_clients
where personal_code is not null
order by total_referrals desc, square_customer_id
limit 5;
