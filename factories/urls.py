from django.urls import path

from factories import pool_views, views

urlpatterns = [
    path("enterprises/", views.enterprise_list, name="enterprise-list"),
    path("enterprises/register/", views.enterprise_register, name="enterprise-register"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise-detail"),
    path("enterprises/<int:pk>/edit/", views.enterprise_edit, name="enterprise-edit"),
    path(
        "enterprises/<int:enterprise_pk>/factories/new/",
        views.factory_create,
        name="factory-create",
    ),
    path("factories/<int:pk>/edit/", views.factory_edit, name="factory-edit"),
    path("pool/", pool_views.pool_list, name="pool-list"),
    path("pool/add/", pool_views.pool_add, name="pool-add"),
    path("pool/<int:pk>/remove/", pool_views.pool_remove, name="pool-remove"),
]
