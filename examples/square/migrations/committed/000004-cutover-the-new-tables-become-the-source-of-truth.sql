--! Previous: sha1:3e8502fdca83d9e63859e385788c6aa4c730a880
--! Hash: sha1:fbb830fc34d5cd1dac5a5e8400a6677271e367c2
--! Message: Cutover: the new tables become the source of truth

-- Cutover: gift_cards and referral_profiles are the source of truth. square_existing_clients keeps its
-- gift card and referral columns, still synced both ways, for code that has not moved yet.
set local lock_timeout = '2s';
select tandem.cutover('client_split');
