--! Previous: sha1:fbb830fc34d5cd1dac5a5e8400a6677271e367c2
--! Hash: sha1:9b84bece625e9f41c8a61d1aa879b00de936f03b
--! Message: Contract: drop the gift card and referral columns from square_existing_clients

-- Contract: the gift card and referral columns leave square_existing_clients. Verified once more
-- first: contract refuses unless a verification since cutover passed.
set local lock_timeout = '2s';
select count(*) as failed_checks from tandem.verify_migration('client_split') where status = 'fail';
select tandem.contract('client_split');
