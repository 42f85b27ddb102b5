--! Previous: sha1:cf0882a298ee01c7900355d3ae33355458df8c92
--! Hash: sha1:2e8d49c434a2c175c3f34e108daef5e042003820
--! Message: Contract: drop the gift card and referral columns from square_existing_clients

-- Contract: the gift card and referral columns leave square_existing_clients. Verified once more
-- first: contract refuses unless a verification since cutover passed.
set local lock_timeout = '2s';
select count(*) as failed_checks from tandem.verify_migration('client_split') where status = 'fail';
select tandem.contract('client_split');
