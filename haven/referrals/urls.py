from django.urls import path

from haven.referrals import views

app_name = "referrals"
urlpatterns = [
    path("partners/", views.partners, name="partners"),
    path("partners/identity/", views.identity_setup, name="identity"),
    path("partners/local/", views.partner_local, name="partner-local"),
    path("partners/remote/", views.partner_remote, name="partner-remote"),
    path("partners/<int:partner_id>/key/", views.partner_key, name="partner-key"),
    path("case/<uuid:case_id>/", views.refer, name="refer"),
    path("documents/<uuid:document_id>/", views.document, name="document"),
    path("arrivals/", views.arrivals, name="arrivals"),
    path("arrivals/<uuid:arrival_id>/", views.arrival_decide, name="arrival-decide"),
]
