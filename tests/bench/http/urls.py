"""The portal's URLs and the floor views: ``bench/floor/`` (authenticated) and
``bench/floor/public/`` (anonymous)."""

from django.urls import path

from config.urls import urlpatterns as portal_urlpatterns
from tests.bench.http.floor import FloorView, PublicFloorView

urlpatterns = [
    path("bench/floor/", FloorView.as_view(), name="bench-floor"),
    path("bench/floor/public/", PublicFloorView.as_view(), name="bench-floor-public"),
    *portal_urlpatterns,
]
