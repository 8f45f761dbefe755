"""Push: the PostgreSQL bridge, per-connection state tracking and Web Push delivery.

See docs/push.md. The edges (EventSource, WebSocket) live in jmapcore/http; the
PushSubscription methods in jmapcore/datatypes/pushsubscription.py.
"""
