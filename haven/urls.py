from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

from haven.api.api import api
from haven.intake.views import quick_exit
from haven.volunteers.views.joining import apply as volunteer_apply
from haven.volunteers.views.joining import choose as volunteer_choose

urlpatterns = [
    path("exit/", quick_exit, name="quick-exit"),
    path("", include("haven.core.urls")),
    path("api/v1/", api.urls),
    *i18n_patterns(
        path("", include("haven.intake.urls")),
        path("status/referrals/", include("haven.referrals.requester_urls")),
        path("referrals/", include("haven.referrals.urls")),
        path("accounts/", include("haven.accounts.urls")),
        path("desk/", include("haven.cases.urls")),
        path("network/", include("haven.volunteers.urls")),
        path("volunteer/", volunteer_choose, name="volunteer-choose"),
        path("volunteer/<slug:slug>/", volunteer_apply, name="volunteer-apply"),
        path("knowledge/", include("haven.knowledge.urls")),
        path("situation/", include("haven.situation.urls")),
        path("figures/", include("haven.reports.urls")),
        path("notifications/", include("haven.notifications.urls")),
    ),
]

handler400 = "haven.ops.errors.bad_request"
handler403 = "haven.core.views.forbidden"
handler404 = "haven.core.views.not_found"
handler500 = "haven.core.views.server_error"
