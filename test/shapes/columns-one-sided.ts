/*
 * columns, one-sided: member (id, first, last, nick) gains full_name, computed from first and last for
 * old clients (a bridge with forward only, as an added column with an `up` expression), and loses
 * nick, which old clients still write and new ones no longer know (a bridge with backward only, as a
 * dropped column with a `down` expression). full_name has a default of its own; old clients never
 * write it, new clients write it themselves. Contract drops nick and keeps full_name.
 */
import { expect } from 'vitest';
import { firstHeld, sorted, syncs, write, type ShapeCase, type Step } from '../support/harness.js';
import { rows } from '../support/sql.js';

interface Member {
  first: string;
  last: string;
  nick: string;
  full: string;
}

const fullOf = (m: { first: string; last: string }) => `${m.first} ${m.last}`;
const nickOf = (first: string) => first.toLowerCase();

export function columnsOneSided(): ShapeCase {
  const model = new Map<number, Member>();
  for (let id = 1; id <= 40; id++) model.set(id, { first: `F${id}`, last: `L${id}`, nick: `f${id}`, full: '' });
  const contracted = (step: Step) => step.phase === 'contracted';

  return {
    name: 'columns, one-sided (a column added with up, a column dropped with down)',
    migration: 'members',
    tables: `
      create table member (id int primary key, first text not null, last text not null, nick text);
      insert into member select g, 'F' || g, 'L' || g, 'f' || g from generate_series(1, 40) g;
      alter table member add column full_name text not null default ''`,
    bridges: `
      select tandem.create_migration('members');
      select tandem.bridge(migration => 'members', name => 'full_name', legacy => 'member', modern => 'member',
        forward => '{"full_name": "first || '' '' || last"}');
      select tandem.bridge(migration => 'members', name => 'nick', legacy => 'member', modern => 'member',
        backward => '{"nick": "lower(first)"}')`,

    afterStep(step) {
      if (step.name === 'backfill') for (const m of model.values()) m.full = fullOf(m);
    },

    async writeLegacy(client, step) {
      // After contract nick is gone, and with it the old clients.
      if (contracted(step)) return;
      const { n } = step;
      const on = syncs(step.phase);
      const inserted = { first: `Li${n}`, last: `Ln${n}`, nick: nickOf(`Li${n}`) };
      await write(client, 'insert into member (id, first, last, nick) values ($1, $2, $3, $4)', [100 + n, inserted.first, inserted.last, inserted.nick]);
      model.set(100 + n, { ...inserted, full: on ? fullOf(inserted) : '' });
      // An old client renames someone: its own nick along.
      const updated = firstHeld(model, 200 + n - 1, n + 1);
      const before = model.get(updated)!;
      const first = `Lu${n}`;
      await write(client, 'update member set first = $2, nick = $3 where id = $1', [updated, first, nickOf(first)]);
      model.set(updated, { ...before, first, nick: nickOf(first), full: on ? fullOf({ first, last: before.last }) : before.full });
      const deleted = firstHeld(model, 100 + n - 1, 40 - n);
      await write(client, 'delete from member where id = $1', [deleted]);
      model.delete(deleted);
    },

    async writeModern(client, step) {
      const { n } = step;
      const on = syncs(step.phase);
      // A new client writes full_name itself and knows no nick.
      const inserted = { first: `Mi${n}`, last: `Mn${n}` };
      await write(client, 'insert into member (id, first, last, full_name) values ($1, $2, $3, $4)', [200 + n, inserted.first, inserted.last, fullOf(inserted)]);
      model.set(200 + n, { ...inserted, nick: on ? nickOf(inserted.first) : '', full: fullOf(inserted) });
      // It renames someone: full_name follows (computed, or written by it after contract), nick follows while synced.
      const updated = n + 11;
      const before = model.get(updated)!;
      const first = `Mu${n}`;
      if (contracted(step)) {
        await write(client, 'update member set first = $2, full_name = $3 where id = $1', [updated, first, fullOf({ first, last: before.last })]);
      } else {
        await write(client, 'update member set first = $2 where id = $1', [updated, first]);
      }
      model.set(updated, { ...before, first, nick: on ? nickOf(first) : before.nick, full: on || contracted(step) ? fullOf({ first, last: before.last }) : before.full });
      await write(client, 'delete from member where id = $1', [n + 21]);
      model.delete(n + 21);
    },

    async check(client, step) {
      expect(await rows(client, 'member', 'id'), 'rows of member, both sides').toEqual(
        sorted(model, (id, m) => (contracted(step)
          ? { id, first: m.first, last: m.last, full_name: m.full }
          : { id, first: m.first, last: m.last, nick: m.nick === '' ? null : m.nick, full_name: m.full })),
      );
    },
  };
}
