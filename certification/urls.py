from django.urls import path

from certification import views

urlpatterns = [
    path("applications/", views.application_list, name="application-list"),
    path("applications/new/", views.application_new, name="application-new"),
    path(
        "applications/new/campaigns/",
        views.application_campaign_options,
        name="application-campaign-options",
    ),
    path("applications/<int:pk>/", views.application_detail, name="application-detail"),
    path(
        "applications/<int:pk>/step/<slug:step>/",
        views.application_step,
        name="application-step",
    ),
    path("applications/<int:pk>/files/", views.application_file_add, name="application-file-add"),
    path("applications/<int:pk>/status/", views.application_status, name="application-status"),
    path("applications/<int:pk>/submit/", views.application_submit, name="application-submit"),
    path(
        "applications/<int:pk>/withdraw/", views.application_withdraw, name="application-withdraw"
    ),
    path("applications/<int:pk>/reject/", views.application_reject, name="application-reject"),
    path("applications/files/<int:pk>/", views.application_file, name="application-file"),
    path("factories/path/", views.tier_path_index, name="tier-path-index"),
    path("factories/<int:pk>/path/", views.tier_path, name="tier-path"),
    path("filings/basic/", views.basic_filings, name="basic-filings"),
    path("campaigns/", views.campaign_list, name="campaign-list"),
]
