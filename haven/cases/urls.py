from django.urls import path

from haven.cases import views
from haven.matching import views as matching

app_name = "desk"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("<uuid:case_id>/", views.case_detail, name="case"),
    path("<uuid:case_id>/reveal/", views.case_reveal_view, name="reveal"),
    path("<uuid:case_id>/place/", matching.place, name="place"),
    path("match/", matching.match, name="match"),
]
