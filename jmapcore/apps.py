from django.apps import AppConfig


class JmapCoreConfig(AppConfig):
    name = "jmapcore"
    verbose_name = "Mail accounts and JMAP"

    def ready(self) -> None:
        from jmapcore import datatypes  # noqa: F401  (registers every data type)
