from django.urls import path

from haven.volunteers.views import hosting, members

app_name = "network"
urlpatterns = [
    path("offers/", hosting.offers, name="offers"),
    path("offers/<slug:kind>/new/", hosting.offer_edit, name="offer-new"),
    path("offers/<slug:kind>/<int:offer_id>/", hosting.offer_edit, name="offer-edit"),
    path("offers/<slug:kind>/<int:offer_id>/pause/", hosting.offer_pause, name="offer-pause"),
    path("proposals/", hosting.proposals, name="proposals"),
    path("proposals/<int:placement_id>/decide/", hosting.decide, name="decide"),
    path("proposals/<int:placement_id>/stay/", hosting.stay, name="stay"),
    path("vouch/", members.vouch, name="vouch"),
    path("vouch/<int:vouch_id>/withdraw/", members.vouch_withdraw, name="vouch-withdraw"),
    path("report/", members.report, name="report"),
    path("applications/", members.applications, name="applications"),
    path("applications/<int:application_id>/", members.application, name="application"),
    path(
        "applications/<int:application_id>/read/",
        members.application_read,
        name="application-read",
    ),
    path(
        "applications/<int:application_id>/decide/",
        members.application_decide,
        name="application-decide",
    ),
    path("members/<int:member_id>/", members.member_page, name="member"),
    path("members/<int:member_id>/reports/", members.member_reports, name="member-reports"),
    path("members/<int:member_id>/suspend/", members.suspend, name="suspend"),
    path("members/<int:member_id>/review/", members.review_clear, name="review-clear"),
]
