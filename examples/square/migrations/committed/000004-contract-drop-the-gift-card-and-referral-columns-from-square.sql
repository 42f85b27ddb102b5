--! Previous: sha1:cb7990e498c060ccdf20a21a3ab74205d035449a
--! Hash: sha1:285c8540720c1894214a179c34835d1391bb2d9a
--! Message: Contract: drop the gift card and referral columns from square_existing_clients

-- Contract: the gift card and referral columns leave square_existing_clients. Verified once more
-- first: contract refuses unless a verification since cutover passed.
set local lock_timeout = '2s';
select count(*) as failed_checks from tandem.verify_migration('client_split') where status = 'fail';
select tandem.contract('client_split');
