from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    name = "portfolio"
    verbose_name = "Portfolio"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from portfolio import signals, snapshot_keys  # noqa: F401  (signals: its receivers)

        post_migrate.connect(
            snapshot_keys.ensure_after_migrate, sender=self, dispatch_uid="snapshot_keys"
        )
