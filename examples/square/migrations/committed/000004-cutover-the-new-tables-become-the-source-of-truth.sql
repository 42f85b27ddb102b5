--! Previous: sha1:c57e541b1c7ca958312813eee7d8817200328684
--! Hash: sha1:cf0882a298ee01c7900355d3ae33355458df8c92
--! Message: Cutover: the new tables become the source of truth

-- Cutover: gift_cards and referral_profiles are the source of truth. square_existing_clients keeps its
-- gift card and referral columns, still synced both ways, for code that has not moved yet.
set local lock_timeout = '2s';
select tandem.cutover('client_split');
