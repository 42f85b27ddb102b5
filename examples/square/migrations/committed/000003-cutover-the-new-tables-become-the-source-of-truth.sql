--! Previous: sha1:1d0a0ea10bdf7f690db9804c4c4f0039f53f3be4
--! Hash: sha1:cb7990e498c060ccdf20a21a3ab74205d035449a
--! Message: Cutover: the new tables become the source of truth

-- Cutover: gift_cards and referral_profiles are the source of truth. square_existing_clients keeps its
-- gift card and referral columns, still synced both ways, for code that has not moved yet.
set local lock_timeout = '2s';
select tandem.cutover('client_split');
