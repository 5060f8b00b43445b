from django.apps import AppConfig


class GoalsConfig(AppConfig):
    name = "goals"
    verbose_name = "Goals"

    def ready(self) -> None:
        from goals import signals  # noqa: F401  (connects the receivers)
