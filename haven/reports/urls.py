from django.urls import path

from haven.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.organisation_figures, name="figures"),
    path("figures.csv", views.organisation_csv, name="csv"),
]
