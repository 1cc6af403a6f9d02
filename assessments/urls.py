from django.urls import path

from assessments import views

urlpatterns = [
    path("assessments/", views.assessment_list, name="assessment-list"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment-detail"),
    path("assessments/<int:pk>/parts/<str:code>/", views.assessment_part, name="assessment-part"),
    path("assessments/<int:pk>/confirm/", views.assessment_confirm, name="assessment-confirm"),
    path(
        "assessments/<int:pk>/answers/<str:code>/",
        views.assessment_answer,
        name="assessment-answer",
    ),
    path("assessments/<int:pk>/evidence/", views.evidence_add, name="assessment-evidence-add"),
    path("assessments/<int:pk>/submit/", views.assessment_submit, name="assessment-submit"),
    path("assessments/<int:pk>/report/", views.assessment_report, name="assessment-report"),
    path(
        "assessments/<int:pk>/report/print/",
        views.assessment_report_print,
        name="assessment-report-print",
    ),
    path("assessments/evidence/<int:pk>/", views.evidence_download, name="evidence-download"),
    path("assessments/evidence/<int:pk>/delete/", views.evidence_delete, name="evidence-delete"),
    path("factories/<int:pk>/peers/", views.factory_peers, name="factory-peers"),
]
