"""Who may open which route: one table, enforced for every request by AuthorizationMiddleware.

A route that is not in the table is refused for everyone, and the authorisation test walks every
route for every persona, so a new page cannot ship without a rule. Object-level rules (a case of
another organisation) live in the queries each view calls, and the same test checks them.
"""

from enum import StrEnum


class Who(StrEnum):
    ANYONE = "anyone"
    MEMBER = "member"
    COORDINATOR = "coordinator"
    API_ANYONE = "api-anyone"
    API_MEMBER = "api-member"
    API_COORDINATOR = "api-coordinator"


ROUTES: dict[str, Who] = {
    # Outside the language prefix.
    "quick-exit": Who.ANYONE,
    "healthz": Who.ANYONE,
    # Requester pages.
    "intake:home": Who.ANYONE,
    "intake:choose": Who.ANYONE,
    "intake:ask": Who.ANYONE,
    "intake:status": Who.ANYONE,
    "intake:leave": Who.ANYONE,
    # The requester's messages and "forget me": open to anyone, they act on the case the session's
    # codename login found (and send everyone else to that login).
    "intake:inbox": Who.ANYONE,
    "intake:photo": Who.ANYONE,
    "intake:forget": Who.ANYONE,
    # Volunteers.
    "accounts:login": Who.ANYONE,
    "accounts:login-code": Who.ANYONE,
    "accounts:second-factor": Who.MEMBER,
    "accounts:join": Who.ANYONE,
    "accounts:logout": Who.MEMBER,
    "accounts:home": Who.MEMBER,
    "accounts:token-create": Who.MEMBER,
    "accounts:token-revoke": Who.MEMBER,
    "accounts:team": Who.COORDINATOR,
    "accounts:invite": Who.COORDINATOR,
    # The volunteer network: applying is public; offers, proposals, vouching and reports are for
    # any member (each sees only their own); vetting and suspension are for coordinators.
    "volunteer-apply": Who.ANYONE,
    "network:offers": Who.MEMBER,
    "network:offer-new": Who.MEMBER,
    "network:offer-edit": Who.MEMBER,
    "network:offer-pause": Who.MEMBER,
    "network:proposals": Who.MEMBER,
    "network:decide": Who.MEMBER,
    "network:vouch": Who.MEMBER,
    "network:vouch-withdraw": Who.MEMBER,
    "network:report": Who.MEMBER,
    "network:applications": Who.COORDINATOR,
    "network:application": Who.COORDINATOR,
    "network:application-read": Who.COORDINATOR,
    "network:application-decide": Who.COORDINATOR,
    "network:member": Who.COORDINATOR,
    "network:suspend": Who.COORDINATOR,
    "network:review-clear": Who.COORDINATOR,
    # The desk. Coordinators triage, share, shred and match; working on a case (reading it with a
    # reason, notes, tasks, messages, moving it on) is also for the counselors it is shared with,
    # which the case's query checks (anyone else finds no such case).
    "desk:list": Who.COORDINATOR,
    "desk:mine": Who.MEMBER,
    "desk:hold-approve": Who.COORDINATOR,
    "desk:case": Who.MEMBER,
    "desk:reveal": Who.MEMBER,
    "desk:triage": Who.COORDINATOR,
    "desk:move": Who.MEMBER,
    "desk:share": Who.COORDINATOR,
    "desk:unshare": Who.COORDINATOR,
    "desk:note": Who.MEMBER,
    "desk:task": Who.MEMBER,
    "desk:checklist": Who.MEMBER,
    "desk:message": Who.MEMBER,
    "desk:photo": Who.MEMBER,
    "desk:shred": Who.COORDINATOR,
    "desk:place": Who.COORDINATOR,
    "desk:match": Who.COORDINATOR,
    # The knowledge base: requester-safe pages, counselors' pages, coordinators' editing.
    "knowledge:countries": Who.ANYONE,
    "knowledge:country": Who.ANYONE,
    "knowledge:screener": Who.ANYONE,
    "knowledge:counsel": Who.MEMBER,
    "knowledge:counsel-country": Who.MEMBER,
    "knowledge:counsel-screener": Who.MEMBER,
    "knowledge:grounds": Who.MEMBER,
    "knowledge:checklists": Who.MEMBER,
    "knowledge:edit": Who.COORDINATOR,
    "knowledge:history": Who.COORDINATOR,
    "knowledge:revisions": Who.COORDINATOR,
    "knowledge:revision": Who.COORDINATOR,
    "knowledge:revert": Who.COORDINATOR,
    "knowledge:stale": Who.COORDINATOR,
    # The situation board: the board and the report form for anyone (no account, no script);
    # the desk's view and reviewing reports for members.
    "situation:board": Who.ANYONE,
    "situation:report": Who.ANYONE,
    "situation:desk": Who.MEMBER,
    "situation:review": Who.MEMBER,
    # Statistics of the organisation, small counts suppressed: coordinators.
    "reports:figures": Who.COORDINATOR,
    "reports:csv": Who.COORDINATOR,
    # JSON API.
    "api:api-root": Who.API_ANYONE,
    "api:openapi-json": Who.API_ANYONE,
    "api:intake": Who.API_ANYONE,
    "api:status": Who.API_ANYONE,
    "api:cases": Who.API_COORDINATOR,
    "api:case": Who.API_COORDINATOR,
    "api:case-reveal": Who.API_COORDINATOR,
    "api:countries": Who.API_ANYONE,
    "api:country": Who.API_ANYONE,
    "api:screener": Who.API_ANYONE,
}


# Pages a member who must have a second factor but has none yet may still open: every other
# member page sends them to set one up first.
WITHOUT_SECOND_FACTOR = {"accounts:second-factor", "accounts:logout"}
