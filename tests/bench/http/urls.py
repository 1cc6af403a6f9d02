"""The portal's URLs and the floor view at ``bench/floor/``."""

from django.urls import path

from config.urls import urlpatterns as portal_urlpatterns
from tests.bench.http.floor import FloorView

urlpatterns = [
    path("bench/floor/", FloorView.as_view(), name="bench-floor"),
    *portal_urlpatterns,
]
