from django.urls import path

from haven.intake import views

app_name = "intake"
urlpatterns = [
    path("", views.home, name="home"),
    path("help/", views.choose, name="choose"),
    path("help/<slug:slug>/", views.ask, name="ask"),
    path("status/", views.status, name="status"),
    path("status/leave/", views.leave, name="leave"),
]
