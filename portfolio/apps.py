from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    name = "portfolio"
    verbose_name = "Portfolio"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate, pre_migrate

        from portfolio import signals, snapshot_keys  # noqa: F401  (signals: its receivers)

        pre_migrate.connect(snapshot_keys.before_migrate, sender=self, dispatch_uid="keys")
        post_migrate.connect(snapshot_keys.after_migrate, sender=self, dispatch_uid="keys")
