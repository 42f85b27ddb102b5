/*
 * Square: the legacy client app signs clients up (some with a friend's referral code, crediting the
 * friend), issues gift cards and creates referral codes, all in columns of square_existing_clients;
 * the modern app does the same through gift_cards and referral_profiles, and also records gift card
 * movements and referral rewards, which the legacy table has no room for. Each app issues cards and
 * codes only to the clients it signed up, so every value has one writer and its final state is known.
 */
import * as legacyQueries from '../../examples/square/generated/legacy.queries.js';
import * as modernQueries from '../../examples/square/generated/modern.queries.js';
import { countRows, transaction, type App, type Scenario } from './apps.js';

export function squareScenario(): Scenario {
  const clients = new Map<string, { by: string; usedCode: string | null }>();
  const cards = new Map<string, { customer: string; amountCents: number; by: string; movements: number }>();
  const codes = new Map<string, string>();
  const codePool: string[] = [];
  const withoutCard: Record<string, string[]> = { legacy: [], modern: [] };
  const withoutCode: Record<string, string[]> = { legacy: [], modern: [] };
  const modernCards: string[] = [];

  const pickCode = async (client: import('pg').Client, n: number) => {
    if (codePool.length < 5) {
      for (const row of await legacyQueries.topReferrers.run(undefined, client)) if (row.personal_code && !codePool.includes(row.personal_code)) codePool.push(row.personal_code);
    }
    return codePool[n % codePool.length] ?? null;
  };

  const legacy: App = {
    name: 'legacy app',
    async step(client, n) {
      const customerId = `L${String(n).padStart(7, '0')}`;
      switch (n % 4) {
        case 0: {
          const usedReferralCode = n % 3 === 0 ? await pickCode(client, n) : null;
          await transaction(client, async () => {
            await legacyQueries.signUpClient.run({ customerId, givenName: 'Lea', familyName: `Legacy ${n}`, email: `${customerId}@example.com`, usedReferralCode }, client);
            if (usedReferralCode) await legacyQueries.creditReferrer.run({ code: usedReferralCode }, client);
          });
          clients.set(customerId, { by: this.name, usedCode: usedReferralCode });
          withoutCard.legacy!.push(customerId);
          withoutCode.legacy!.push(customerId);
          return 'write';
        }
        case 1: {
          const owner = withoutCard.legacy!.shift();
          if (!owner) return 'read';
          const giftCardId = `gftc:legacy-${n}`;
          const amountCents = 1000 * (1 + (n % 5));
          const [row] = await legacyQueries.issueGiftCard.run({ customerId: owner, giftCardId, gan: `7783${String(n).padStart(12, '0')}`, orderId: `ORD-L${n}`, amountCents: String(amountCents), deliveryMethod: n % 2 ? 'EMAIL' : 'SMS' }, client);
          if (row) cards.set(giftCardId, { customer: owner, amountCents, by: this.name, movements: 0 });
          return 'write';
        }
        case 2: {
          const owner = withoutCode.legacy!.shift();
          if (!owner) return 'read';
          const code = `LC${n}`;
          const [row] = await legacyQueries.createReferralCode.run({ customerId: owner, code, referralCode: `REF-${code}`, url: `https://example.com/r/${code}` }, client);
          if (row) {
            codes.set(owner, code);
            codePool.push(code);
          }
          return 'write';
        }
        default:
          if (n % 8 === 3) await legacyQueries.topReferrers.run(undefined, client);
          else await legacyQueries.clientProfile.run({ customerId: `L${String(n - 3).padStart(7, '0')}` }, client);
          return 'read';
      }
    },
  };

  const modern: App = {
    name: 'modern app',
    async step(client, n, backfilled) {
      const customerId = `M${String(n).padStart(7, '0')}`;
      switch (n % 5) {
        case 0: {
          // Until the backfill is done a friend's referral profile may not be copied yet: no codes used.
          const code = backfilled && n % 3 === 0 ? await pickCode(client, n + 1) : null;
          await transaction(client, async () => {
            await modernQueries.signUpClient.run({ customerId, givenName: 'Max', familyName: `Modern ${n}`, email: `${customerId}@example.com` }, client);
            if (code) {
              await modernQueries.recordReferral.run({ customerId, code }, client);
              const [referrer] = await modernQueries.creditReferrer.run({ code }, client);
              if (referrer) await modernQueries.rewardReferrer.run({ referrerId: referrer.customer_id, referredId: customerId, amountCents: '500' }, client);
            }
          });
          clients.set(customerId, { by: this.name, usedCode: code });
          withoutCard.modern!.push(customerId);
          withoutCode.modern!.push(customerId);
          return 'write';
        }
        case 1: {
          const owner = withoutCard.modern!.shift();
          if (!owner) return 'read';
          const giftCardId = `gftc:modern-${n}`;
          const amountCents = 2500 + 500 * (n % 4);
          await transaction(client, async () => {
            await modernQueries.issueGiftCard.run({ giftCardId, customerId: owner, gan: `7784${String(n).padStart(12, '0')}`, orderId: `ORD-M${n}`, amountCents: String(amountCents), deliveryMethod: 'EMAIL' }, client);
            await modernQueries.recordGiftCardMovement.run({ giftCardId, kind: 'ACTIVATE', amountCents: String(amountCents), orderId: `ORD-M${n}` }, client);
          });
          cards.set(giftCardId, { customer: owner, amountCents, by: this.name, movements: 1 });
          modernCards.push(giftCardId);
          return 'write';
        }
        case 2: {
          const owner = withoutCode.modern!.shift();
          if (!owner) return 'read';
          const code = `MC${n}`;
          const [row] = await modernQueries.createReferralProfile.run({ customerId: owner, code, referralCode: `REF-${code}`, url: `https://example.com/r/${code}` }, client);
          if (row) {
            codes.set(owner, code);
            codePool.push(code);
          }
          return 'write';
        }
        case 3: {
          const giftCardId = modernCards[n % Math.max(1, modernCards.length)];
          if (!giftCardId) return 'read';
          await modernQueries.recordGiftCardMovement.run({ giftCardId, kind: 'REDEEM', amountCents: '-100', orderId: `ORD-R${n}` }, client);
          cards.get(giftCardId)!.movements++;
          return 'write';
        }
        default: {
          const giftCardId = modernCards.at(-1);
          if (!backfilled) return 'read';
          if (giftCardId) await modernQueries.giftCardBalance.run({ giftCardId }, client);
          await modernQueries.referralProfile.run({ customerId: `M${String(n - 4).padStart(7, '0')}` }, client);
          return 'read';
        }
      }
    },
  };

  return {
    name: 'square',
    title: 'Square client split: square_existing_clients → gift_cards and referral_profiles',
    legacy,
    modern,
    legacyAccess: 'through square_existing_clients, whose moved columns stay synced until contract',
    async legacyQuerySet(client) {
      return [
        { query: 'clientProfile', rows: (await legacyQueries.clientProfile.run({ customerId: 'CUST00000003' }, client)).length },
        { query: 'topReferrers', rows: (await legacyQueries.topReferrers.run(undefined, client)).length },
      ];
    },
    modernCounts: (client) => countRows(client, ['square_existing_clients', 'gift_cards', 'gift_card_transactions', 'referral_profiles', 'referral_rewards']),
    async lostWrites(client) {
      const lost: string[] = [];
      const { rows: found } = await client.query('select square_customer_id as id from square_existing_clients where square_customer_id = any($1)', [[...clients.keys()]]);
      const present = new Set(found.map((row) => row.id as string));
      const used = new Map<string, string | null>(
        (await client.query('select customer_id, used_referral_code from referral_profiles where customer_id = any($1)', [[...clients.keys()]])).rows
          .map((row) => [row.customer_id as string, row.used_referral_code as string | null]));
      for (const [id, expected] of clients) {
        if (!present.has(id)) lost.push(`client ${id} signed up by the ${expected.by} is missing`);
        else if (expected.usedCode && used.get(id) !== expected.usedCode) lost.push(`client ${id} used code ${expected.usedCode}, recorded as ${used.get(id) ?? 'nothing'}`);
      }
      const { rows: cardRows } = await client.query(
        `select g.gift_card_id, g.customer_id, g.initial_amount_cents::int as amount, count(t.id)::int as movements
         from gift_cards g left join gift_card_transactions t using (gift_card_id)
         where g.gift_card_id = any($1) group by g.gift_card_id`, [[...cards.keys()]]);
      const cardOf = new Map(cardRows.map((row) => [row.gift_card_id as string, row]));
      for (const [id, expected] of cards) {
        const row = cardOf.get(id);
        if (!row) lost.push(`gift card ${id} issued by the ${expected.by} is missing`);
        else if (row.customer_id !== expected.customer || row.amount !== expected.amountCents || row.movements !== expected.movements) {
          lost.push(`gift card ${id} is ${JSON.stringify(row)}, not ${JSON.stringify(expected)}`);
        }
      }
      const codeOf = new Map((await client.query('select customer_id, personal_code from referral_profiles where customer_id = any($1)', [[...codes.keys()]])).rows
        .map((row) => [row.customer_id as string, row.personal_code as string]));
      for (const [customer, code] of codes) {
        if (codeOf.get(customer) !== code) lost.push(`referral code ${code} of ${customer} is ${codeOf.get(customer) ?? 'missing'}`);
      }
      // The plan's rule that a code's total_referrals counts the clients who used it: the migration's own check.
      const { rows: [totals] } = await client.query(`select sql from tandem."check" where migration = 'client_split' and name = 'referral_totals'`);
      if (!totals) throw new Error('the check client_split.referral_totals is not registered');
      for (const row of (await client.query(totals.sql as string)).rows) {
        lost.push(`referrer ${row.customer_id} has total_referrals ${row.total_referrals} but ${row.referrals} clients used the code`);
      }
      return { checked: clients.size + cards.size + codes.size, lost };
    },
  };
}
