"""Data in and out: the export and import of everything, and the CSV import of entries."""

from django.urls import path

from dataport.views import data, entries_csv, profiles, rules, statements

app_name = "dataport"

urlpatterns = [
    path("accounts/data/export.json", data.data_export_json, name="export_json"),
    path("accounts/data/export.zip", data.data_export_zip, name="export_zip"),
    path("accounts/data/import/", data.data_import, name="import"),
    # Any import of the user's, as it runs in the background; its status for the script
    path("accounts/data/import/<int:job_id>/", data.import_job, name="import_job"),
    path(
        "accounts/data/import/<int:job_id>/status.json",
        data.import_status,
        name="import_status",
    ),
    # CSV import of entries: upload, preview (from the staged rows of the job), confirm
    path("portfolios/<int:pk>/entries/import/", entries_csv.entry_import, name="entry_import"),
    path(
        "portfolios/<int:pk>/entries/import/<int:job_id>/",
        entries_csv.entry_import_preview,
        name="entry_import_preview",
    ),
    path(
        "portfolios/<int:pk>/entries/import/<int:job_id>/confirm/",
        entries_csv.entry_import_confirm,
        name="entry_import_confirm",
    ),
    path(
        "entries/import/template.csv",
        entries_csv.entry_import_template,
        name="entry_import_template",
    ),
    # Bank and broker statements: upload, then one page per job (mapping, preview, outcome)
    path(
        "portfolios/<int:pk>/statements/import/",
        statements.statement_upload,
        name="statement_import",
    ),
    path(
        "portfolios/<int:pk>/statements/<int:job_id>/",
        statements.statement_preview,
        name="statement_preview",
    ),
    *(
        path(f"portfolios/<int:pk>/statements/<int:job_id>/{step}/", view, name=f"statement_{step}")
        for step, view in (
            ("map", statements.statement_map),
            ("remap", statements.statement_remap),
            ("dates", statements.statement_dates),
            ("decide", statements.statement_decide),
            ("undo", statements.statement_undo),
            ("skip_maybe", statements.statement_skip_maybe),
            ("confirm", statements.statement_confirm),
        )
    ),
    # Rules and import profiles
    path("portfolios/<int:pk>/rules/", rules.rule_list, name="rules"),
    path("portfolios/<int:pk>/rules/new/", rules.rule_new, name="rule_new"),
    path("portfolios/<int:pk>/rules/<int:rule_id>/", rules.rule_edit, name="rule_edit"),
    path(
        "portfolios/<int:pk>/rules/<int:rule_id>/delete/",
        rules.rule_delete,
        name="rule_delete",
    ),
    path("portfolios/<int:pk>/rules/<int:rule_id>/move/", rules.rule_move, name="rule_move"),
    path("accounts/import-profiles/", profiles.profile_list, name="profiles"),
    path(
        "accounts/import-profiles/<int:profile_id>/",
        profiles.profile_edit,
        name="profile_edit",
    ),
    path(
        "accounts/import-profiles/<int:profile_id>/delete/",
        profiles.profile_delete,
        name="profile_delete",
    ),
]
