from django.apps import AppConfig


class JmapCoreConfig(AppConfig):
    name = "jmapcore"
    verbose_name = "Mail accounts and JMAP"

    def ready(self) -> None:
        from jmapcore import datatypes  # noqa: F401  (registers every data type)
        from transport.outbound.queue import install

        install()  # vacation auto-replies go out through the outgoing queue
