"""Your data: /accounts/data/ (included from config/urls.py with the namespace "data")."""

from django.urls import path

from accounts import views_data

app_name = "data"

urlpatterns = [
    path("export.json", views_data.data_export_json, name="export_json"),
    path("export.zip", views_data.data_export_zip, name="export_zip"),
    path("import/", views_data.data_import, name="import"),
]
