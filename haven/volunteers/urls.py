from django.urls import path

from haven.volunteers import views

app_name = "network"
urlpatterns = [
    path("offers/", views.offers, name="offers"),
    path("offers/<slug:kind>/new/", views.offer_edit, name="offer-new"),
    path("offers/<slug:kind>/<int:offer_id>/", views.offer_edit, name="offer-edit"),
    path("offers/<slug:kind>/<int:offer_id>/pause/", views.offer_pause, name="offer-pause"),
    path("proposals/", views.proposals, name="proposals"),
    path("proposals/<int:placement_id>/decide/", views.decide, name="decide"),
    path("proposals/<int:placement_id>/stay/", views.stay, name="stay"),
    path("vouch/", views.vouch, name="vouch"),
    path("vouch/<int:vouch_id>/withdraw/", views.vouch_withdraw, name="vouch-withdraw"),
    path("report/", views.report, name="report"),
    path("applications/", views.applications, name="applications"),
    path("applications/<int:application_id>/", views.application, name="application"),
    path(
        "applications/<int:application_id>/read/",
        views.application_read,
        name="application-read",
    ),
    path(
        "applications/<int:application_id>/decide/",
        views.application_decide,
        name="application-decide",
    ),
    path("members/<int:member_id>/", views.member_page, name="member"),
    path("members/<int:member_id>/reports/", views.member_reports, name="member-reports"),
    path("members/<int:member_id>/suspend/", views.suspend, name="suspend"),
    path("members/<int:member_id>/review/", views.review_clear, name="review-clear"),
]
