/*
 * table, cut over as a split: gift cards move out of member (id, name, gift_code, gift_balance) into
 * gift (member_id, code, balance). The bridge has a filter (only members with a code have a card) and
 * name has no backward expression, so member stays a table at cutover, its gift columns synced until
 * contract drops them. A deleted card clears the member's gift columns (on_modern_delete = nullify).
 */
import { expect } from 'vitest';
import { firstHeld, sorted, syncs, write, type ShapeCase, type Step } from '../support/harness.js';
import { rows } from '../support/sql.js';

interface Member {
  name: string;
  code: string | null;
  balance: number | null;
}
interface Card {
  code: string;
  balance: number | null;
}

export function tableSplit(): ShapeCase {
  const legacy = new Map<number, Member>();
  const modern = new Map<number, Card>();
  for (let id = 1; id <= 40; id++) {
    legacy.set(id, id % 3 === 0 ? { name: `M${id}`, code: null, balance: null } : { name: `M${id}`, code: `G${id}`, balance: id * 10 });
  }
  /** A member as written on the legacy side; with the sync on, its card follows it into or out of the filter. */
  const putMember = (step: Step, id: number, member: Member | null) => {
    if (member) legacy.set(id, member);
    else legacy.delete(id);
    if (!syncs(step.phase)) return;
    if (member?.code != null) modern.set(id, { code: member.code, balance: member.balance });
    else modern.delete(id);
  };
  /** A card as written on the modern side; with the sync on, the member's gift columns follow (cleared when it goes). */
  const putCard = (step: Step, id: number, card: Card | null) => {
    if (card) modern.set(id, card);
    else modern.delete(id);
    if (syncs(step.phase)) legacy.set(id, { ...legacy.get(id)!, code: card?.code ?? null, balance: card?.balance ?? null });
  };
  const contracted = (step: Step) => step.phase === 'contracted';

  return {
    name: 'table (cut over as a split)',
    migration: 'gifts',
    tables: `
      create table member (id int primary key, name text not null, gift_code text, gift_balance int);
      create table gift (member_id int primary key, code text not null, balance int);
      insert into member select g, 'M' || g, case when g % 3 <> 0 then 'G' || g end, case when g % 3 <> 0 then g * 10 end
        from generate_series(1, 40) g`,
    bridges: `
      select tandem.create_migration('gifts');
      select tandem.bridge(migration => 'gifts', name => 'gift', legacy => 'member', modern => 'gift',
        key => '{"member_id": "id"}', forward => '{"code": "gift_code", "balance": "gift_balance"}',
        backward => '{"gift_code": "code", "gift_balance": "balance"}', filter => 'gift_code is not null',
        options => '{"on_modern_delete": "nullify"}')`,

    afterStep(step) {
      // Expand deletes the cards of the members that left (deleted, or their code cleared) while planned.
      if (step.name === 'expand again') for (const id of [...modern.keys()]) if (legacy.get(id)?.code == null) modern.delete(id);
      // After the backfill every member in the filter has its card, and no other card is left.
      if (step.name === 'backfill') {
        modern.clear();
        for (const [id, m] of legacy) if (m.code !== null) modern.set(id, { code: m.code, balance: m.balance });
      }
    },


    async writeLegacy(client, step) {
      const { n } = step;
      // After contract legacy code writes what member still has: id and name.
      if (contracted(step)) {
        await write(client, 'insert into member (id, name) values ($1, $2)', [100 + n, `New${n}`]);
        await write(client, 'update member set name = $2 where id = $1', [n + 1, `Renamed${n}`]);
        const deleted = firstHeld(legacy, 100 + n - 1, 40 - n);
        await write(client, 'delete from member where id = $1', [deleted]);
        legacy.set(100 + n, { name: `New${n}`, code: null, balance: null });
        legacy.set(n + 1, { ...legacy.get(n + 1)!, name: `Renamed${n}` });
        legacy.delete(deleted);
        return;
      }
      const inserted = { name: `New${n}`, code: `N${n}`, balance: n };
      await write(client, 'insert into member values ($1, $2, $3, $4)', [100 + n, inserted.name, inserted.code, inserted.balance]);
      putMember(step, 100 + n, inserted);
      // Odd steps give the member a card (into the filter), even ones take it away (out of the filter).
      const updated = { name: `Renamed${n}`, code: n % 2 ? `U${n}` : null, balance: 1000 + n };
      await write(client, 'update member set name = $2, gift_code = $3, gift_balance = $4 where id = $1', [n + 1, updated.name, updated.code, updated.balance]);
      putMember(step, n + 1, updated);
      // The previous step's member (its card synced if that step synced), else one from before expand.
      const deleted = firstHeld(legacy, 100 + n - 1, 40 - n);
      await write(client, 'delete from member where id = $1', [deleted]);
      putMember(step, deleted, null);
    },

    async writeModern(client, step) {
      const { n } = step;
      // A card for a member who had none (a card for a member that does not exist cannot be written back: name is required).
      const carded = 39 - 3 * n;
      await write(client, 'insert into gift values ($1, $2, $3)', [carded, `C${n}`, 500 + n]);
      putCard(step, carded, { code: `C${n}`, balance: 500 + n });
      const updated = firstHeld(modern, n + 11, n + 1, carded);
      await write(client, 'update gift set balance = $2 where member_id = $1', [updated, 2000 + n]);
      putCard(step, updated, { ...modern.get(updated)!, balance: 2000 + n });
      const deleted = firstHeld(modern, n + 21, carded);
      await write(client, 'delete from gift where member_id = $1', [deleted]);
      putCard(step, deleted, null);
    },

    async check(client, step) {
      expect((await client.query(`select relkind from pg_class where oid = 'member'::regclass`)).rows[0].relkind, 'member stays a table').toBe('r');
      expect(await rows(client, 'member', 'id'), 'legacy rows (member)').toEqual(
        sorted(legacy, (id, m) => (contracted(step) ? { id, name: m.name } : { id, name: m.name, gift_code: m.code, gift_balance: m.balance })),
      );
      expect(await rows(client, 'gift', 'member_id'), 'modern rows (gift)').toEqual(sorted(modern, (id, c) => ({ member_id: id, ...c })));
    },
  };
}
