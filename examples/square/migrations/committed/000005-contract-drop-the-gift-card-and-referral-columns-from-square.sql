--! Previous: sha1:6156cd288cbaad282fb1fa9a861bb9fe9d0b3b63
--! Hash: sha1:29811029e737715da5c51884994ae0bc3d39a823
--! Message: Contract: drop the gift card and referral columns from square_existing_clients

-- Contract: the gift card and referral columns leave square_existing_clients. Verified once more
-- first: contract refuses unless a verification since cutover passed.
set local lock_timeout = '2s';
select count(*) as failed_checks from tandem.verify_migration('client_split') where status = 'fail';
select tandem.contract('client_split');
