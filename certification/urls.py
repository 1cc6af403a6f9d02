from django.urls import path

from certification.views import (
    applications,
    campaigns,
    certificates,
    drafting,
    filings,
    publicity,
    recommendations,
    reviews,
)
from certification.views import path as tier

urlpatterns = [
    path("applications/", applications.application_list, name="application-list"),
    path("applications/new/", applications.application_new, name="application-new"),
    path(
        "applications/new/campaigns/",
        applications.application_campaign_options,
        name="application-campaign-options",
    ),
    path("applications/<int:pk>/", applications.application_detail, name="application-detail"),
    path(
        "applications/<int:pk>/step/<slug:step>/",
        drafting.application_step,
        name="application-step",
    ),
    path(
        "applications/<int:pk>/files/", drafting.application_file_add, name="application-file-add"
    ),
    path(
        "applications/<int:pk>/status/", applications.application_status, name="application-status"
    ),
    path(
        "applications/<int:pk>/submit/", applications.application_submit, name="application-submit"
    ),
    path(
        "applications/<int:pk>/withdraw/",
        applications.application_withdraw,
        name="application-withdraw",
    ),
    path(
        "applications/<int:pk>/reject/", applications.application_reject, name="application-reject"
    ),
    path(
        "applications/<int:pk>/confirm/<slug:action>/",
        filings.application_confirm,
        name="application-confirm",
    ),
    path(
        "applications/<int:pk>/act/<slug:action>/",
        applications.application_act,
        name="application-act",
    ),
    path("worklist/", reviews.worklist, name="worklist"),
    path("experts/conflicts/", reviews.expert_conflicts, name="expert-conflicts"),
    path("experts/calibration/", reviews.expert_calibration, name="expert-calibration"),
    path("applications/files/<int:pk>/", drafting.application_file, name="application-file"),
    path("factories/path/", tier.tier_path_index, name="tier-path-index"),
    path("factories/<int:pk>/path/", tier.tier_path, name="tier-path"),
    path("filings/basic/", filings.basic_filings, name="basic-filings"),
    path("campaigns/", campaigns.campaign_list, name="campaign-list"),
    path("recommendations/", recommendations.recommendation_page, name="recommendation-lists"),
    path("campaigns/<int:pk>/", campaigns.campaign_detail, name="campaign-detail"),
    path("certificates/", certificates.certificate_list, name="certificate-list"),
    path("certificates/<int:pk>/pdf", certificates.certificate_pdf, name="certificate-pdf"),
    # Publicity (公示): the lists are public; the objections are the certifying authority's.
    path("publicity/", publicity.publicity_list, name="publicity-list"),
    path("publicity/<int:pk>/", publicity.publicity_detail, name="publicity-detail"),
    path(
        "publicity/<int:pk>/objections/",
        publicity.publicity_objections,
        name="publicity-objections",
    ),
    path(
        "publicity/objections/<int:pk>/decide/",
        publicity.objection_decide,
        name="objection-decide",
    ),
    path(
        "publicity/objections/<int:pk>/evidence",
        publicity.objection_evidence,
        name="objection-evidence",
    ),
    path("campaigns/<int:pk>/publicity/new", publicity.publicity_new, name="publicity-new"),
    path("publicity/new-filings", publicity.publicity_new_filings, name="publicity-new-filings"),
]
