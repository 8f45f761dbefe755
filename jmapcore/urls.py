from django.urls import path

from jmapcore.http import api, session

urlpatterns = [
    path(".well-known/jmap", session.session_view, name="jmap-well-known"),
    path("jmap/session/", session.session_view, name="jmap-session"),
    path("jmap/api/", api.api_view, name="jmap-api"),
]
