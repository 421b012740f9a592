from django.urls import path

from haven.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.organisation_figures, name="figures"),
    path("figures.csv", views.organisation_csv, name="csv"),
    path("figures-hxl.csv", views.organisation_hxl, name="hxl"),
    path("sharing/", views.sharing, name="sharing"),
    path("org/<slug:slug>/", views.public_figures, name="public"),
    path("org/<slug:slug>/figures.csv", views.public_csv, name="public-csv"),
    path("org/<slug:slug>/figures-hxl.csv", views.public_hxl, name="public-hxl"),
    path("network/", views.network_figures, name="network"),
    path("network/figures.csv", views.network_csv, name="network-csv"),
    path("network/figures-hxl.csv", views.network_hxl, name="network-hxl"),
]
