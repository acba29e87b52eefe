from django.urls import path

from generation import views

app_name = "generation"

urlpatterns = [
    path("", views.home, name="home"),
    path("studio/", views.studio, name="studio"),
    path("history/", views.history, name="history"),
    path("g/<uuid:public_id>/", views.detail, name="detail"),
    path("g/<uuid:public_id>/status", views.status, name="status"),
    path("media/s/<str:token>", views.signed_media, name="signed_media"),
]
