from django.urls import path

from haven.cases import views
from haven.matching import views as matching
from haven.messaging import views as messaging

app_name = "desk"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("mine/", views.my_cases, name="mine"),
    path("holds/<int:hold_id>/approve/", views.hold_approve_view, name="hold-approve"),
    path("<uuid:case_id>/", views.case_detail, name="case"),
    path("<uuid:case_id>/reveal/", views.case_reveal_view, name="reveal"),
    path("<uuid:case_id>/triage/", views.case_triage_view, name="triage"),
    path("<uuid:case_id>/move/", views.case_move_view, name="move"),
    path("<uuid:case_id>/owner/", views.case_owner_view, name="owner"),
    path("<uuid:case_id>/share/", views.case_share_view, name="share"),
    path("<uuid:case_id>/share/<int:member_id>/stop/", views.case_unshare_view, name="unshare"),
    path("<uuid:case_id>/notes/", views.note_add_view, name="note"),
    path("<uuid:case_id>/tasks/<uuid:note_id>/", views.task_done_view, name="task"),
    path("<uuid:case_id>/checklist/", views.checklist_view, name="checklist"),
    path("<uuid:case_id>/messages/", messaging.message_send, name="message"),
    path(
        "<uuid:case_id>/messages/<uuid:message_id>/photo/",
        messaging.staff_photo,
        name="photo",
    ),
    path("<uuid:case_id>/shred/", views.case_shred_view, name="shred"),
    path("<uuid:case_id>/place/", matching.place, name="place"),
    path(
        "<uuid:case_id>/placement/<int:placement_id>/",
        matching.placement_step,
        name="placement",
    ),
    path("match/", matching.match, name="match"),
]
