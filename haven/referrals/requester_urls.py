from django.urls import path

from haven.referrals import views

app_name = "referral-status"
urlpatterns = [
    path("", views.requester_referrals, name="list"),
    path("<uuid:referral_id>/", views.requester_consent, name="consent"),
    path("<uuid:referral_id>/reply/", views.requester_reply, name="reply"),
]
