from django.apps import AppConfig


class DataportConfig(AppConfig):
    name = "dataport"
    verbose_name = "Data in and out"

    def ready(self) -> None:
        from dataport import kept_uploads  # noqa: F401  (connects its receiver)
