from django.urls import path

from moderation import views

app_name = "moderation"

urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("flags/<int:flag_id>/review", views.review, name="review"),
    path("report/<uuid:public_id>/", views.report, name="report"),
]
