"""The v1 REST API: one router for every app's endpoints."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from accounts.api import MeView, TokenDetail, TokenList
from assessments.api import AssessmentViewSet, FactoryAssessmentList, FactoryPeers
from certification.api.applications import ApplicationViewSet
from certification.api.calibration import ExpertCalibration
from certification.api.campaigns import CampaignViewSet
from certification.api.certificates import CertificateViewSet
from certification.api.eligibility import FactoryEligibility
from certification.api.publicity import (
    ObjectionDecide,
    PublicityDetail,
    PublicityList,
    PublicityObjections,
)
from certification.api.recommendations import (
    RecommendationLists,
    RecommendationOrder,
    RecommendationSubmit,
)
from certification.api.registry import RegistryCertificateDetail, registry_list
from dashboard.api import DashboardView
from exports.api import ExportDetail, ExportFile, ExportList
from factories.api import EnterpriseViewSet, FactoryViewSet
from factories.pool_api import PoolEntryViewSet
from webhooks.api import WebhookViewSet

router = DefaultRouter()
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("factories", FactoryViewSet, basename="factory")
router.register("assessments", AssessmentViewSet, basename="assessment")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("applications", ApplicationViewSet, basename="application")
router.register("certificates", CertificateViewSet, basename="certificate")
router.register("webhooks", WebhookViewSet, basename="webhook")
router.register("pool", PoolEntryViewSet, basename="pool-entry")

urlpatterns = [
    # First: the public registry is the busiest endpoint (banks, subsidy programmes, other
    # government systems), and Django tries the patterns in order.
    path("registry/", registry_list, name="registry"),
    path(
        "registry/certificates/<str:number>/",
        RegistryCertificateDetail.as_view(),
        name="registry-certificate",
    ),
    path("me/", MeView.as_view(), name="api-me"),
    path("dashboard/", DashboardView.as_view(), name="dashboard-api"),
    path("experts/calibration/", ExpertCalibration.as_view(), name="expert-calibration-api"),
    path("exports/", ExportList.as_view(), name="export-list-api"),
    path("exports/<int:pk>/", ExportDetail.as_view(), name="export-detail-api"),
    path("exports/<int:pk>/file/", ExportFile.as_view(), name="export-file-api"),
    path("tokens/", TokenList.as_view(), name="api-token-list"),
    path("tokens/<int:pk>/", TokenDetail.as_view(), name="api-token-detail"),
    path(
        "factories/<int:factory_pk>/assessments/",
        FactoryAssessmentList.as_view(),
        name="factory-assessments",
    ),
    path("factories/<int:pk>/peers/", FactoryPeers.as_view(), name="factory-peers-api"),
    path(
        "factories/<int:pk>/eligibility/",
        FactoryEligibility.as_view(),
        name="factory-eligibility",
    ),
    path("publicity/", PublicityList.as_view(), name="publicity-list"),
    path("publicity/<int:pk>/", PublicityDetail.as_view(), name="publicity-detail"),
    path(
        "publicity/<int:pk>/objections/",
        PublicityObjections.as_view(),
        name="publicity-objections",
    ),
    path("objections/<int:pk>/decide/", ObjectionDecide.as_view(), name="objection-decide"),
    path("recommendations/", RecommendationLists.as_view(), name="recommendation-list"),
    path(
        "recommendations/<int:pk>/order/",
        RecommendationOrder.as_view(),
        name="recommendation-order",
    ),
    path(
        "recommendations/<int:pk>/submit/",
        RecommendationSubmit.as_view(),
        name="recommendation-submit",
    ),
    *router.urls,
]
