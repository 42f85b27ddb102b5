--! Previous: sha1:2325173f43e3f40fdb2836ccc4fd36dc7eae26fb
--! Hash: sha1:855d25d61901a6c05ad0bb8183685499ac5a92ee
--! Message: Cutover: the new tables become the source of truth

-- Cutover: gift_cards and referral_profiles are the source of truth. square_existing_clients keeps its
-- gift card and referral columns, still synced both ways, for code that has not moved yet.
set local lock_timeout = '2s';
select tandem.cutover('client_split');
