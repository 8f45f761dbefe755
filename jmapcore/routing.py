"""WebSocket routes (RFC 8887)."""

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from django.urls import path

from jmapcore.http.websocket import JmapWebSocketConsumer


def websocket_application():
    # The session middleware lets a browser authenticate with its login cookie.
    return AuthMiddlewareStack(URLRouter([path("jmap/ws/", JmapWebSocketConsumer.as_asgi())]))
