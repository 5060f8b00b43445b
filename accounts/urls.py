from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("settings/", views.account_settings, name="settings"),
    path("delete/", views.account_delete, name="delete"),
]
