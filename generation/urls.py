from django.urls import path

from generation import views

app_name = "generation"

urlpatterns = [
    path("", views.home, name="home"),
    path("studio/", views.studio, name="studio"),
    path("studio/upload/", views.upload_variations, name="upload"),
    path("history/", views.history, name="history"),
    path("favourites/", views.favourites, name="favourites"),
    path("collections/", views.collections, name="collections"),
    path("collections/<uuid:public_id>/", views.collection_detail, name="collection"),
    path("collections/<uuid:public_id>/update", views.collection_update, name="collection_update"),
    path("g/<uuid:public_id>/", views.detail, name="detail"),
    path("g/<uuid:public_id>/status", views.status, name="status"),
    path("i/<uuid:public_id>/", views.image_detail, name="image"),
    path("i/<uuid:public_id>/download", views.image_download, name="download"),
    path("i/<uuid:public_id>/favourite", views.image_favourite, name="favourite"),
    path("i/<uuid:public_id>/share", views.image_share, name="share"),
    path("i/<uuid:public_id>/unshare", views.image_unshare, name="unshare"),
    path("i/<uuid:public_id>/collect", views.image_collect, name="collect"),
    path("i/<uuid:public_id>/variations", views.image_variations, name="variations"),
    path("i/<uuid:public_id>/edit/", views.editor, name="editor"),
    path("i/<uuid:public_id>/edit/submit", views.edit_submit, name="edit_submit"),
    path("i/<uuid:public_id>/keep", views.keep, name="keep"),
    path("i/<uuid:public_id>/blend/", views.interpolate, name="interpolate"),
    path("i/<uuid:public_id>/outpaint", views.outpaint_start, name="outpaint"),
    path("canvas/<uuid:public_id>/", views.canvas, name="canvas"),
    path("canvas/<uuid:public_id>/state", views.canvas_state, name="canvas_state"),
    path("canvas/<uuid:public_id>/frame", views.canvas_frame, name="canvas_frame"),
    path("canvas/<uuid:public_id>/keep", views.canvas_keep, name="canvas_keep"),
    path("canvas/<uuid:public_id>/export.png", views.canvas_export, name="canvas_export"),
    path("s/<str:token>/", views.shared, name="shared"),
    path("media/s/<str:token>", views.signed_media, name="signed_media"),
]
