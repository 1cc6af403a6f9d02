"""The v1 REST API: one router for every app's endpoints."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from accounts.api import MeView
from assessments.api import AssessmentViewSet, FactoryAssessmentList
from factories.api import EnterpriseViewSet, FactoryViewSet

router = DefaultRouter()
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("factories", FactoryViewSet, basename="factory")
router.register("assessments", AssessmentViewSet, basename="assessment")

urlpatterns = [
    path("me/", MeView.as_view(), name="api-me"),
    path(
        "factories/<int:factory_pk>/assessments/",
        FactoryAssessmentList.as_view(),
        name="factory-assessments",
    ),
    *router.urls,
]
