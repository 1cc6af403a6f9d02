from django.urls import path

from exports import views

urlpatterns = [
    path("exports/", views.export_list, name="export-list"),
    path("exports/new/", views.export_new, name="export-new"),
    path("exports/<int:pk>/", views.export_detail, name="export-detail"),
    path("exports/<int:pk>/progress/", views.export_progress, name="export-progress"),
    path("exports/<int:pk>/download/", views.export_download, name="export-download"),
]
