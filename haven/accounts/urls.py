from django.urls import path

from haven.accounts import key_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/code/", views.login_code, name="login-code"),
    path("second-factor/", views.second_factor, name="second-factor"),
    path("security-keys/", key_views.security_keys, name="security-keys"),
    path(
        "security-keys/<int:key_id>/remove/",
        key_views.security_key_delete,
        name="security-key-remove",
    ),
    path("logout/", views.logout_view, name="logout"),
    path("join/", views.join, name="join"),
    path("passphrase/", views.passphrase, name="passphrase"),
    path("recover/", views.recover, name="recover"),
    path("team/<int:member_id>/recover/", views.recovery_ask, name="recovery-ask"),
    path("", views.home, name="home"),
    path("tokens/", views.token_create, name="token-create"),
    path("tokens/<slug:public_id>/revoke/", views.token_revoke, name="token-revoke"),
    path("team/", views.team, name="team"),
    path("team/invite/", views.invite, name="invite"),
    path("approvals/", views.approvals, name="approvals"),
    path("rules/", views.rules, name="rules"),
    path("rotation/", views.rotation, name="rotation"),
    path("rotation/continue/", views.rotation_continue, name="rotation-continue"),
    path("approvals/<int:approval_id>/approve/", views.approval_approve, name="approval-approve"),
    path("approvals/<int:approval_id>/refuse/", views.approval_turn_down, name="approval-refuse"),
]
