"""The snapshot table's owner and portfolio keys, checked by triggers of our own.

A foreign key checks each inserted row on its own: a full recompute inserts some
70 rows a user, and those checks were about a third of PostgreSQL's work on it
(docs/scaling.md, "What the last tenth would cost"). On PostgreSQL the triggers
below check all the rows of a statement at once instead, with the same guarantee:

- the owners and portfolios a statement's new rows name are locked FOR KEY SHARE,
  as a foreign key's check locks them, so a concurrent deletion waits for the
  inserting transaction, and one that committed first leaves nothing to lock:
  the insert then fails (foreign_key_violation) instead of leaving orphans;
- deleting users or portfolios deletes their rows (Django's on_delete=CASCADE
  already has, so this finds nothing, except rows a recompute committed while the
  deletion waited for its lock);
- a row's owner and portfolio never change, nor do a user's or a portfolio's id.

SQLite (the embedded default) gets the same rules as row triggers. Django's table
rebuilds on SQLite drop a table's triggers: a later migration that rebuilds one of
these tables must run ``install`` again (tests/portfolio/test_snapshot_keys.py fails
if it does not).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

POSTGRESQL = """
CREATE FUNCTION {prefix}_keys_exist() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    locked bigint;
BEGIN
    -- An array of ids, so the lookup is by primary key whatever the planner guesses of
    -- the new rows (it knows how many, not which).
    PERFORM FROM {user} WHERE id = ANY (ARRAY(SELECT DISTINCT owner_id FROM new_rows
                                               WHERE owner_id IS NOT NULL))
        FOR KEY SHARE;
    GET DIAGNOSTICS locked = ROW_COUNT;
    IF locked < (SELECT count(DISTINCT owner_id) FROM new_rows) THEN  -- NULLs not counted
        RAISE foreign_key_violation USING MESSAGE = 'a snapshot names a user that does not exist';
    END IF;
    PERFORM FROM {portfolio} WHERE id = ANY (ARRAY(SELECT DISTINCT portfolio_id FROM new_rows
                                                    WHERE portfolio_id IS NOT NULL))
        FOR KEY SHARE;
    GET DIAGNOSTICS locked = ROW_COUNT;
    IF locked < (SELECT count(DISTINCT portfolio_id) FROM new_rows) THEN
        RAISE foreign_key_violation
            USING MESSAGE = 'a snapshot names a portfolio that does not exist';
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION {prefix}_keys_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE foreign_key_violation USING MESSAGE = TG_TABLE_NAME || ': the key of a row '
        'that snapshots refer to cannot change';
END $$;

CREATE FUNCTION {prefix}_of_deleted_users() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {snapshot} WHERE owner_id = ANY (ARRAY(SELECT id FROM old_rows));
    RETURN NULL;
END $$;

CREATE FUNCTION {prefix}_of_deleted_portfolios() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- IS NOT NULL lets the partial (portfolio, month) index serve.
    DELETE FROM {snapshot}
    WHERE portfolio_id = ANY (ARRAY(SELECT id FROM old_rows)) AND portfolio_id IS NOT NULL;
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
"""

POSTGRESQL_DROP = """
DROP TRIGGER IF EXISTS {prefix}_keys_exist ON {snapshot};

DROP TRIGGER IF EXISTS {prefix}_keys_fixed ON {snapshot};

DROP TRIGGER IF EXISTS {prefix}_of_deleted_users ON {user};

DROP TRIGGER IF EXISTS {prefix}_user_id_fixed ON {user};

DROP TRIGGER IF EXISTS {prefix}_of_deleted_portfolios ON {portfolio};

DROP TRIGGER IF EXISTS {prefix}_portfolio_id_fixed ON {portfolio};

DROP FUNCTION IF EXISTS {prefix}_keys_exist();

DROP FUNCTION IF EXISTS {prefix}_keys_fixed();

DROP FUNCTION IF EXISTS {prefix}_of_deleted_users();

DROP FUNCTION IF EXISTS {prefix}_of_deleted_portfolios();
"""

# SQLite has row triggers only, and a statement is one row's work there anyway.
SQLITE = """
CREATE TRIGGER {prefix}_owner_exists BEFORE INSERT ON {snapshot}
    WHEN NEW.owner_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {user} WHERE id = NEW.owner_id)
    BEGIN SELECT RAISE(ABORT, 'a snapshot names a user that does not exist'); END;

CREATE TRIGGER {prefix}_portfolio_exists BEFORE INSERT ON {snapshot}
    WHEN NEW.portfolio_id IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM {portfolio} WHERE id = NEW.portfolio_id)
    BEGIN SELECT RAISE(ABORT, 'a snapshot names a portfolio that does not exist'); END;

CREATE TRIGGER {prefix}_keys_fixed BEFORE UPDATE OF owner_id, portfolio_id ON {snapshot}
    WHEN NEW.owner_id IS NOT OLD.owner_id OR NEW.portfolio_id IS NOT OLD.portfolio_id
    BEGIN SELECT RAISE(ABORT, 'the owner or portfolio of a snapshot cannot change'); END;

CREATE TRIGGER {prefix}_of_deleted_users AFTER DELETE ON {user}
    BEGIN DELETE FROM {snapshot} WHERE owner_id = OLD.id; END;

CREATE TRIGGER {prefix}_user_id_fixed BEFORE UPDATE OF id ON {user}
    WHEN NEW.id <> OLD.id
    BEGIN SELECT RAISE(ABORT, 'the id of a user that snapshots refer to cannot change'); END;

CREATE TRIGGER {prefix}_of_deleted_portfolios AFTER DELETE ON {portfolio}
    BEGIN DELETE FROM {snapshot} WHERE portfolio_id = OLD.id; END;

CREATE TRIGGER {prefix}_portfolio_id_fixed BEFORE UPDATE OF id ON {portfolio}
    WHEN NEW.id <> OLD.id
    BEGIN SELECT RAISE(ABORT, 'the id of a portfolio that snapshots refer to cannot change');
    END;
"""

SQLITE_DROP = """
DROP TRIGGER IF EXISTS {prefix}_owner_exists;

DROP TRIGGER IF EXISTS {prefix}_portfolio_exists;

DROP TRIGGER IF EXISTS {prefix}_keys_fixed;

DROP TRIGGER IF EXISTS {prefix}_of_deleted_users;

DROP TRIGGER IF EXISTS {prefix}_user_id_fixed;

DROP TRIGGER IF EXISTS {prefix}_of_deleted_portfolios;

DROP TRIGGER IF EXISTS {prefix}_portfolio_id_fixed;
"""

SQL = {"postgresql": (POSTGRESQL, POSTGRESQL_DROP), "sqlite": (SQLITE, SQLITE_DROP)}


def _run(apps, schema_editor, *, drop: bool) -> None:
    connection = schema_editor.connection
    create, remove = SQL[connection.vendor]
    quote = connection.ops.quote_name
    tables = {
        "snapshot": apps.get_model("portfolio", "Snapshot"),
        "portfolio": apps.get_model("portfolio", "Portfolio"),
        "user": apps.get_model(settings.AUTH_USER_MODEL),
    }
    names = {key: quote(model._meta.db_table) for key, model in tables.items()}
    sql = (remove if drop else create).format(prefix="portfolio_snapshot", **names)
    # One statement at a time (SQLite's driver runs one per call), blank lines apart.
    for statement in sql.strip().split("\n\n"):
        schema_editor.execute(statement, params=None)


def install(apps, schema_editor) -> None:
    _run(apps, schema_editor, drop=False)


def uninstall(apps, schema_editor) -> None:
    _run(apps, schema_editor, drop=True)


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("portfolio", "0019_flows_of_known_categories"),
    ]

    operations = [
        migrations.AlterField(
            model_name="snapshot",
            name="owner",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="snapshots",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="snapshot",
            name="portfolio",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="snapshots",
                to="portfolio.portfolio",
            ),
        ),
        migrations.RunPython(install, uninstall),
    ]
