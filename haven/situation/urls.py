from django.urls import path

from haven.situation import views

app_name = "situation"
urlpatterns = [
    path("", views.board, name="board"),
    path("report/", views.report, name="report"),
    path("desk/", views.desk, name="desk"),
    path("desk/<uuid:report_id>/review/", views.review, name="review"),
]
