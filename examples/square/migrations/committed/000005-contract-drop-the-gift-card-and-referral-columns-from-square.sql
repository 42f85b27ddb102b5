--! Previous: sha1:855d25d61901a6c05ad0bb8183685499ac5a92ee
--! Hash: sha1:92d2ae524831ded6a0c4400880fd359b2371f9fc
--! Message: Contract: drop the gift card and referral columns from square_existing_clients

-- Contract: the gift card and referral columns leave square_existing_clients. Verified once more
-- first: contract refuses unless a verification since cutover passed.
set local lock_timeout = '2s';
select count(*) as failed_checks from tandem.verify_migration('client_split') where status = 'fail';
select tandem.contract('client_split');
