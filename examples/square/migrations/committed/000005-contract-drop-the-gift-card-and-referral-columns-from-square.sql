--! Previous: sha1:49ede6a79c45903f6e3a02f068514d01c06d59f7
--! Hash: sha1:4bffcc35cb296ed8bb0aed7d264a345a16537bea
--! Message: Contract: drop the gift card and referral columns from square_existing_clients

-- Contract: the gift card and referral columns leave square_existing_clients. Verified once more
-- first: contract refuses unless a verification since cutover passed.
set local lock_timeout = '2s';
select count(*) as failed_checks from tandem.verify_migration('client_split') where status = 'fail';
select tandem.contract('client_split');
