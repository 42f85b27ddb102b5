--! Previous: sha1:38076b062d5c7d37dcf56fa28e4c8a29991e29f8
--! Hash: sha1:49ede6a79c45903f6e3a02f068514d01c06d59f7
--! Message: Cutover: the new tables become the source of truth

-- Cutover: gift_cards and referral_profiles are the source of truth. square_existing_clients keeps its
-- gift card and referral columns, still synced both ways, for code that has not moved yet.
set local lock_timeout = '2s';
select tandem.cutover('client_split');
