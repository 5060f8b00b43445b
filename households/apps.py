from django.apps import AppConfig


class HouseholdsConfig(AppConfig):
    name = "households"
    verbose_name = "Households"

    def ready(self) -> None:
        from households import page_versions, receivers  # noqa: F401  (connects the receivers)
