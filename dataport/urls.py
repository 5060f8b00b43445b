"""Data in and out: the export and import of everything, and the CSV import of entries."""

from django.urls import path

from dataport.views import data, entries_csv

app_name = "dataport"

urlpatterns = [
    path("accounts/data/export.json", data.data_export_json, name="export_json"),
    path("accounts/data/export.zip", data.data_export_zip, name="export_zip"),
    path("accounts/data/import/", data.data_import, name="import"),
    # CSV import of entries: upload, preview (the file kept under its hash), confirm
    path("portfolios/<int:pk>/entries/import/", entries_csv.entry_import, name="entry_import"),
    path(
        "portfolios/<int:pk>/entries/import/<str:file_hash>/",
        entries_csv.entry_import_preview,
        name="entry_import_preview",
    ),
    path(
        "portfolios/<int:pk>/entries/import/<str:file_hash>/confirm/",
        entries_csv.entry_import_confirm,
        name="entry_import_confirm",
    ),
    path(
        "entries/import/template.csv",
        entries_csv.entry_import_template,
        name="entry_import_template",
    ),
]
