from django.urls import path

from webhooks import views

urlpatterns = [
    path("", views.webhook_settings, name="webhook-settings"),
    path("<int:pk>/", views.webhook_detail, name="webhook-settings-detail"),
    path("<int:pk>/enable/", views.webhook_enable, name="webhook-settings-enable"),
    path("<int:pk>/disable/", views.webhook_disable, name="webhook-settings-disable"),
    path("<int:pk>/delete/", views.webhook_delete, name="webhook-settings-delete"),
    path(
        "<int:pk>/deliveries/<int:delivery_id>/redeliver/",
        views.webhook_redeliver,
        name="webhook-settings-redeliver",
    ),
]
