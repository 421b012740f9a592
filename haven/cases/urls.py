from django.urls import path

from haven.cases.views import lifecycle, lists, notes, page, sharing
from haven.matching import views as matching
from haven.messaging import views as messaging

app_name = "desk"
urlpatterns = [
    path("", lists.case_list, name="list"),
    path("mine/", lists.my_cases, name="mine"),
    path("holds/<int:hold_id>/approve/", lists.hold_approve_view, name="hold-approve"),
    path("<uuid:case_id>/", page.case_detail, name="case"),
    path("<uuid:case_id>/reveal/", page.case_reveal_view, name="reveal"),
    path("<uuid:case_id>/triage/", lifecycle.case_triage_view, name="triage"),
    path("<uuid:case_id>/move/", lifecycle.case_move_view, name="move"),
    path("<uuid:case_id>/owner/", lifecycle.case_owner_view, name="owner"),
    path("<uuid:case_id>/share/", sharing.case_share_view, name="share"),
    path("<uuid:case_id>/share/<int:member_id>/stop/", sharing.case_unshare_view, name="unshare"),
    path("<uuid:case_id>/notes/", notes.note_add_view, name="note"),
    path("<uuid:case_id>/tasks/<uuid:note_id>/", notes.task_done_view, name="task"),
    path("<uuid:case_id>/checklist/", notes.checklist_view, name="checklist"),
    path("<uuid:case_id>/messages/", messaging.message_send, name="message"),
    path(
        "<uuid:case_id>/messages/<uuid:message_id>/photo/",
        messaging.staff_photo,
        name="photo",
    ),
    path("<uuid:case_id>/shred/", lifecycle.case_shred_view, name="shred"),
    path("<uuid:case_id>/place/", matching.place, name="place"),
    path(
        "<uuid:case_id>/placement/<int:placement_id>/",
        matching.placement_step,
        name="placement",
    ),
    path("match/", matching.match, name="match"),
]
