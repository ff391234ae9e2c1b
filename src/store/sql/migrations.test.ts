/**
 * The one migration list produces, for each database, exactly the steps released before it was
 * one list (test/fixtures/released-migrations.ts), in the same order: databases created by an
 * earlier scimd migrate on unchanged, and new ones get the same schema.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RELEASED_POSTGRES_MIGRATIONS, RELEASED_SQLITE_MIGRATIONS } from '../../../test/fixtures/released-migrations.ts';
import { migrationsFor, POSTGRES_DDL, SQLITE_DDL } from './migrations.ts';

describe('migrations', () => {
  for (const [d, released] of [
    [SQLITE_DDL, RELEASED_SQLITE_MIGRATIONS],
    [POSTGRES_DDL, RELEASED_POSTGRES_MIGRATIONS],
  ] as const) {
    it(`${d.name}: every released step, in order, character for character`, () => {
      const steps = migrationsFor(d);
      assert.ok(steps.length >= released.length, `${steps.length} steps, ${released.length} released`);
      released.forEach((sql, i) => assert.equal(steps[i], sql, `${d.name} step ${i + 1}`));
    });
  }

  it("SQLite has one step more than PostgreSQL: step 2, which PostgreSQL's step 1 includes", () => {
    assert.equal(migrationsFor(SQLITE_DDL).length, migrationsFor(POSTGRES_DDL).length + 1);
  });
});
