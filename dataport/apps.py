from django.apps import AppConfig


class DataportConfig(AppConfig):
    name = "dataport"
    verbose_name = "Data in and out"
