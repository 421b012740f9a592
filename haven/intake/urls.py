from django.urls import path

from haven.intake import views
from haven.messaging import views as messaging

app_name = "intake"
urlpatterns = [
    path("", views.home, name="home"),
    path("help/", views.choose, name="choose"),
    path("help/<slug:slug>/", views.ask, name="ask"),
    path("status/", views.status, name="status"),
    path("status/leave/", views.leave, name="leave"),
    path("status/ping/", views.ping, name="ping"),
    path("status/messages/", messaging.inbox, name="inbox"),
    path("status/messages/<uuid:message_id>/photo/", messaging.requester_photo, name="photo"),
    path("status/forget/", messaging.forget, name="forget"),
]
