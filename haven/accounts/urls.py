from django.urls import path

from haven.accounts import key_views, login_views, member_views, team_views

app_name = "accounts"
urlpatterns = [
    path("login/", login_views.login_view, name="login"),
    path("login/code/", login_views.login_code, name="login-code"),
    path("second-factor/", login_views.second_factor, name="second-factor"),
    path("security-keys/", key_views.security_keys, name="security-keys"),
    path(
        "security-keys/<int:key_id>/remove/",
        key_views.security_key_delete,
        name="security-key-remove",
    ),
    path("logout/", login_views.logout_view, name="logout"),
    path("join/", member_views.join, name="join"),
    path("passphrase/", member_views.passphrase, name="passphrase"),
    path("recover/", member_views.recover, name="recover"),
    path("team/<int:member_id>/recover/", team_views.recovery_ask, name="recovery-ask"),
    path("", member_views.home, name="home"),
    path("tokens/", member_views.token_create, name="token-create"),
    path("tokens/<slug:public_id>/revoke/", member_views.token_revoke, name="token-revoke"),
    path("team/", team_views.team, name="team"),
    path("team/invite/", team_views.invite, name="invite"),
    path("approvals/", team_views.approvals, name="approvals"),
    path("rules/", team_views.rules, name="rules"),
    path("rotation/", team_views.rotation, name="rotation"),
    path("rotation/continue/", team_views.rotation_continue, name="rotation-continue"),
    path(
        "approvals/<int:approval_id>/approve/", team_views.approval_approve, name="approval-approve"
    ),
    path(
        "approvals/<int:approval_id>/refuse/", team_views.approval_turn_down, name="approval-refuse"
    ),
]
