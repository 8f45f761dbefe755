"""The ASGI application: Django for HTTP, Channels for JMAP over WebSocket."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webmail.settings")
django_asgi = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from jmapcore.http.fastpath import FastPathApp  # noqa: E402
from jmapcore.routing import websocket_application  # noqa: E402

application = ProtocolTypeRouter({"http": FastPathApp(django_asgi), "websocket": websocket_application()})
