--! Previous: sha1:2236376f17d5c6053017fc1954fa33a2bb5893be
--! Hash: sha1:6156cd288cbaad282fb1fa9a861bb9fe9d0b3b63
--! Message: Cutover: the new tables become the source of truth

-- Cutover: gift_cards and referral_profiles are the source of truth. square_existing_clients keeps its
-- gift card and referral columns, still synced both ways, for code that has not moved yet.
set local lock_timeout = '2s';
select tandem.cutover('client_split');
