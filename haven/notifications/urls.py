from django.urls import path

from haven.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.settings_page, name="settings"),
    path("channel/", views.channel, name="channel"),
    path("switch/", views.switch, name="switch"),
    path("remove/", views.remove, name="remove"),
    path("cadence/", views.cadence, name="cadence"),
]
