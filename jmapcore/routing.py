"""WebSocket routes (RFC 8887)."""

from channels.routing import URLRouter


def websocket_application():
    return URLRouter([])
