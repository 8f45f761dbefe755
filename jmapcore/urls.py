from django.urls import path

from jmapcore.http import api, blobs, eventsource, session

urlpatterns = [
    path(".well-known/jmap", session.session_view, name="jmap-well-known"),
    path("jmap/session/", session.session_view, name="jmap-session"),
    path("jmap/api/", api.api_view, name="jmap-api"),
    path("jmap/eventsource/", eventsource.eventsource_view, name="jmap-eventsource"),
    path("jmap/upload/<str:account_id>/", blobs.upload_view, name="jmap-upload"),
    path(
        "jmap/download/<str:account_id>/<str:blob_id>/<path:name>",
        blobs.download_view,
        name="jmap-download",
    ),
]
