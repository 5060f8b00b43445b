"""The snapshot table's owner and portfolio keys, kept by triggers of our own.

A foreign key checks each inserted row on its own: a full recompute inserts some
70 rows a user, and those checks were about a third of PostgreSQL's work on it
(docs/scaling.md, "The foreign keys, checked per statement"). So ``Snapshot.owner``
and ``Snapshot.portfolio`` have no database constraint (``db_constraint=False``),
and on PostgreSQL the triggers below check all the rows of a statement at once, with
the same guarantee:

- the users and portfolios a statement's new rows name are locked FOR KEY SHARE,
  as a foreign key's check locks them: a concurrent deletion waits for the
  inserting transaction, and one that committed first leaves nothing to lock, so
  the insert fails (foreign_key_violation) instead of leaving orphans;
- deleting or truncating users or portfolios deletes their rows (through Django,
  whose on_delete=CASCADE has deleted them already, this finds nothing; a Django
  deletion also waits for a running recompute of the owner first, see
  ``snapshots.hold_recomputes``);
- a row's owner and portfolio never change, nor does a user's or a portfolio's id.

SQLite (the embedded default) gets the same rules as row triggers. They exist there
between migrations only: SQLite cannot rebuild a table (as Django does for most
schema changes) while a trigger names it, so ``migrate`` drops them before it runs
anything and creates them again when it is done (``before_migrate``,
``after_migrate``). On PostgreSQL the migration installs them and they stay.
"""

from __future__ import annotations

import re

from django.db import connections
from django.db.migrations.recorder import MigrationRecorder

# The migration that drops the foreign keys and first installs these.
MIGRATION = ("portfolio", "0020_snapshot_keys_checked_per_statement")
PREFIX = "portfolio_snapshot"

# Statements a blank line apart; each trigger's name follows "CREATE TRIGGER".
POSTGRESQL = """
CREATE OR REPLACE FUNCTION {prefix}_keys_exist() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    locked bigint;
BEGIN
    -- Portfolios, then users, each in id order: the order in which deleting a user
    -- locks them (Django deletes the portfolios first), so the two wait, never deadlock.
    -- Ids in an array, so the lookup is by primary key whatever the planner guesses
    -- of the new rows (it knows how many, not which).
    PERFORM FROM {portfolio} WHERE id = ANY (ARRAY(SELECT DISTINCT portfolio_id FROM new_rows
                                                    WHERE portfolio_id IS NOT NULL))
        ORDER BY id FOR KEY SHARE;
    GET DIAGNOSTICS locked = ROW_COUNT;
    IF locked < (SELECT count(DISTINCT portfolio_id) FROM new_rows) THEN  -- NULLs not counted
        RAISE foreign_key_violation
            USING MESSAGE = 'a snapshot names a portfolio that does not exist';
    END IF;
    PERFORM FROM {user} WHERE id = ANY (ARRAY(SELECT DISTINCT owner_id FROM new_rows
                                               WHERE owner_id IS NOT NULL))
        ORDER BY id FOR KEY SHARE;
    GET DIAGNOSTICS locked = ROW_COUNT;
    IF locked < (SELECT count(DISTINCT owner_id) FROM new_rows) THEN
        RAISE foreign_key_violation USING MESSAGE = 'a snapshot names a user that does not exist';
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION {prefix}_keys_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE foreign_key_violation USING MESSAGE = TG_TABLE_NAME || ': the key of a row '
        'that snapshots refer to cannot change';
END $$;

CREATE OR REPLACE FUNCTION {prefix}_of_deleted_users() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {snapshot} WHERE owner_id = ANY (ARRAY(SELECT id FROM old_rows));
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION {prefix}_of_deleted_portfolios() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- IS NOT NULL lets the partial (portfolio, month) index serve.
    DELETE FROM {snapshot}
    WHERE portfolio_id = ANY (ARRAY(SELECT id FROM old_rows)) AND portfolio_id IS NOT NULL;
    RETURN NULL;
END $$;

-- TRUNCATE fires no DELETE trigger, and its CASCADE follows foreign keys only.
CREATE OR REPLACE FUNCTION {prefix}_of_truncated_users() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {snapshot} WHERE owner_id IS NOT NULL;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION {prefix}_of_truncated_portfolios() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {snapshot} WHERE portfolio_id IS NOT NULL;
    RETURN NULL;
END $$;

CREATE TRIGGER {prefix}_keys_exist AFTER INSERT ON {snapshot}
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {prefix}_keys_exist();

CREATE TRIGGER {prefix}_keys_fixed BEFORE UPDATE OF owner_id, portfolio_id ON {snapshot}
    FOR EACH ROW WHEN (OLD.owner_id IS DISTINCT FROM NEW.owner_id
                       OR OLD.portfolio_id IS DISTINCT FROM NEW.portfolio_id)
    EXECUTE FUNCTION {prefix}_keys_fixed();

CREATE TRIGGER {prefix}_of_deleted_users AFTER DELETE ON {user}
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {prefix}_of_deleted_users();

CREATE TRIGGER {prefix}_user_id_fixed BEFORE UPDATE OF id ON {user}
    FOR EACH ROW WHEN (OLD.id <> NEW.id) EXECUTE FUNCTION {prefix}_keys_fixed();

CREATE TRIGGER {prefix}_of_deleted_portfolios AFTER DELETE ON {portfolio}
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {prefix}_of_deleted_portfolios();

CREATE TRIGGER {prefix}_portfolio_id_fixed BEFORE UPDATE OF id ON {portfolio}
    FOR EACH ROW WHEN (OLD.id <> NEW.id) EXECUTE FUNCTION {prefix}_keys_fixed();

CREATE TRIGGER {prefix}_of_truncated_users AFTER TRUNCATE ON {user}
    FOR EACH STATEMENT EXECUTE FUNCTION {prefix}_of_truncated_users();

CREATE TRIGGER {prefix}_of_truncated_portfolios AFTER TRUNCATE ON {portfolio}
    FOR EACH STATEMENT EXECUTE FUNCTION {prefix}_of_truncated_portfolios();
"""

# SQLite has row triggers only, and a statement is one row's work there anyway.
SQLITE = """
CREATE TRIGGER IF NOT EXISTS {prefix}_owner_exists BEFORE INSERT ON {snapshot}
    WHEN NEW.owner_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {user} WHERE id = NEW.owner_id)
    BEGIN SELECT RAISE(ABORT, 'a snapshot names a user that does not exist'); END;

CREATE TRIGGER IF NOT EXISTS {prefix}_portfolio_exists BEFORE INSERT ON {snapshot}
    WHEN NEW.portfolio_id IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM {portfolio} WHERE id = NEW.portfolio_id)
    BEGIN SELECT RAISE(ABORT, 'a snapshot names a portfolio that does not exist'); END;

CREATE TRIGGER IF NOT EXISTS {prefix}_keys_fixed
    BEFORE UPDATE OF owner_id, portfolio_id ON {snapshot}
    WHEN NEW.owner_id IS NOT OLD.owner_id OR NEW.portfolio_id IS NOT OLD.portfolio_id
    BEGIN SELECT RAISE(ABORT, 'the owner or portfolio of a snapshot cannot change'); END;

CREATE TRIGGER IF NOT EXISTS {prefix}_of_deleted_users AFTER DELETE ON {user}
    BEGIN DELETE FROM {snapshot} WHERE owner_id = OLD.id; END;

CREATE TRIGGER IF NOT EXISTS {prefix}_user_id_fixed BEFORE UPDATE OF id ON {user}
    WHEN NEW.id <> OLD.id
    BEGIN SELECT RAISE(ABORT, 'the id of a user that snapshots refer to cannot change'); END;

CREATE TRIGGER IF NOT EXISTS {prefix}_of_deleted_portfolios AFTER DELETE ON {portfolio}
    BEGIN DELETE FROM {snapshot} WHERE portfolio_id = OLD.id; END;

CREATE TRIGGER IF NOT EXISTS {prefix}_portfolio_id_fixed BEFORE UPDATE OF id ON {portfolio}
    WHEN NEW.id <> OLD.id
    BEGIN SELECT RAISE(ABORT, 'the id of a portfolio that snapshots refer to cannot change');
    END;
"""

# (name, table) of each trigger and the name of each function, read off the SQL above.
_TRIGGER = re.compile(
    r"CREATE TRIGGER (?:IF NOT EXISTS )?\{prefix\}_(\w+)\s.*?\sON \{(\w+)\}", re.S
)
TRIGGERS = {"postgresql": _TRIGGER.findall(POSTGRESQL), "sqlite": _TRIGGER.findall(SQLITE)}
FUNCTIONS = re.findall(r"CREATE OR REPLACE FUNCTION \{prefix\}_(\w+)\(\)", POSTGRESQL)


def _tables(connection) -> dict[str, str]:
    from django.contrib.auth import get_user_model

    from portfolio.models import Portfolio, Snapshot

    quote = connection.ops.quote_name
    models = {"snapshot": Snapshot, "portfolio": Portfolio, "user": get_user_model()}
    return {key: quote(model._meta.db_table) for key, model in models.items()}


def install(connection) -> None:
    """Create the functions and whichever triggers are missing."""
    sql = {"postgresql": POSTGRESQL, "sqlite": SQLITE}[connection.vendor]
    statements = sql.format(prefix=PREFIX, **_tables(connection)).strip().split("\n\n")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # CREATE TRIGGER locks its table: only the missing ones, so a migrate
            # with nothing to do takes no lock on the users' table.
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname = ANY(%s)",
                [[f"{PREFIX}_{name}" for name, _table in TRIGGERS["postgresql"]]],
            )
            present = {name for (name,) in cursor.fetchall()}
            statements = [
                s
                for s in statements
                if not s.startswith("CREATE TRIGGER ") or s.split()[2] not in present
            ]
        for statement in statements:  # one at a time: SQLite's driver runs one per call
            cursor.execute(statement)


def remove(connection) -> None:
    tables = _tables(connection)
    with connection.cursor() as cursor:
        for name, table in TRIGGERS[connection.vendor]:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {PREFIX}_{name} ON {tables[table]}")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {PREFIX}_{name}")
        if connection.vendor == "postgresql":
            for name in FUNCTIONS:
                cursor.execute(f"DROP FUNCTION IF EXISTS {PREFIX}_{name}()")


def _applied(connection) -> bool:
    return MIGRATION in MigrationRecorder(connection).applied_migrations()


def before_migrate(*, using: str, plan, **_kwargs) -> None:
    """pre_migrate: on SQLite, drop the triggers before any migration runs.

    SQLite rebuilds a table (for most schema changes) by copying it, dropping the old
    one and renaming the copy, and refuses that rename while a trigger names the
    table; these name all three tables. ``after_migrate`` puts them back.
    """
    connection = connections[using]
    if connection.vendor == "sqlite" and plan and _applied(connection):
        remove(connection)


def after_migrate(*, using: str, **_kwargs) -> None:
    """post_migrate: create whatever is missing once 0020 is applied (before it, or
    migrated back past it, the foreign keys are there instead)."""
    connection = connections[using]
    if _applied(connection):
        install(connection)
