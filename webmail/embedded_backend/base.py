"""Django's PostgreSQL backend, pointed at the embedded cluster on first connection.

Starting the cluster lazily means only processes that really use the database
attach to it (``manage.py check`` or ``ruff`` never start PostgreSQL).
"""

from pathlib import Path

from django.conf import settings
from django.db.backends.postgresql import base

from webmail import embedded_db

_created: set[str] = set()


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict:
        socket_dir = embedded_db.attach(Path(settings.DATA_DIR))
        params = super().get_connection_params()
        params["host"] = str(socket_dir)
        name = settings.DATABASES["default"]["NAME"]
        if params.get("dbname") == name and name not in _created:
            embedded_db.ensure_database(socket_dir, name)
            _created.add(name)
        return params
