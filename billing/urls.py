from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("buy/", views.buy, name="buy"),
    path("pay/<uuid:public_id>/", views.pay, name="pay"),
    path("pay/<uuid:public_id>/status", views.payment_status, name="payment_status"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
    path("staff/", views.admin_accounts, name="admin_accounts"),
    path("staff/<int:user_id>/", views.admin_ledger, name="admin_ledger"),
    path("staff/<int:user_id>/payments/<uuid:public_id>/refund", views.admin_refund_payment, name="admin_refund_payment"),
]
