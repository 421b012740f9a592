"""Who may open which route: one table, enforced for every request by AuthorizationMiddleware.

A route that is not in the table is refused for everyone, and the authorisation test walks every
route for every persona, so a new page cannot ship without a rule. Object-level rules (a case of
another organisation) live in the queries each view calls, and the same test checks them.
"""

from collections.abc import Callable
from enum import StrEnum


class Who(StrEnum):
    ANYONE = "anyone"
    MEMBER = "member"
    COORDINATOR = "coordinator"
    # A member of the publishing organisation with the knowledge-editor role (haven.knowledge).
    KNOWLEDGE_EDITOR = "knowledge-editor"
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
    # The requester's ping address: acts on the case the session's codename login found.
    "intake:ping": Who.ANYONE,
    # The requester's messages and "forget me": open to anyone, they act on the case the session's
    # codename login found (and send everyone else to that login).
    "intake:inbox": Who.ANYONE,
    "intake:photo": Who.ANYONE,
    "intake:forget": Who.ANYONE,
    # The requester's referrals: open to anyone, they act on the case the session's codename
    # login found (and send everyone else to that login).
    "referral-status:list": Who.ANYONE,
    "referral-status:consent": Who.ANYONE,
    "referral-status:reply": Who.ANYONE,
    # Volunteers.
    "accounts:login": Who.ANYONE,
    "accounts:login-code": Who.ANYONE,
    "accounts:second-factor": Who.MEMBER,
    # A member's own security keys; another member's key answers 404.
    "accounts:security-keys": Who.MEMBER,
    "accounts:security-key-remove": Who.MEMBER,
    "accounts:join": Who.ANYONE,
    "accounts:logout": Who.MEMBER,
    "accounts:home": Who.MEMBER,
    "accounts:passphrase": Who.MEMBER,
    "accounts:recover": Who.ANYONE,
    "accounts:recovery-ask": Who.COORDINATOR,
    "accounts:token-create": Who.MEMBER,
    "accounts:token-revoke": Who.MEMBER,
    "accounts:team": Who.COORDINATOR,
    "accounts:invite": Who.COORDINATOR,
    "accounts:approvals": Who.COORDINATOR,
    "accounts:rules": Who.COORDINATOR,
    "accounts:rotation": Who.COORDINATOR,
    "accounts:rotation-continue": Who.COORDINATOR,
    "accounts:approval-approve": Who.COORDINATOR,
    "accounts:approval-refuse": Who.COORDINATOR,
    # The volunteer network: applying is public; offers, proposals, vouching and reports are for
    # any member (each sees only their own); vetting and suspension are for coordinators.
    "volunteer-choose": Who.ANYONE,
    "volunteer-apply": Who.ANYONE,
    "network:offers": Who.MEMBER,
    "network:offer-new": Who.MEMBER,
    "network:offer-edit": Who.MEMBER,
    "network:offer-pause": Who.MEMBER,
    "network:proposals": Who.MEMBER,
    "network:decide": Who.MEMBER,
    "network:stay": Who.MEMBER,
    "network:vouch": Who.MEMBER,
    "network:vouch-withdraw": Who.MEMBER,
    "network:report": Who.MEMBER,
    "network:applications": Who.COORDINATOR,
    "network:application": Who.COORDINATOR,
    "network:application-read": Who.COORDINATOR,
    "network:application-decide": Who.COORDINATOR,
    "network:member": Who.COORDINATOR,
    "network:member-reports": Who.COORDINATOR,
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
    "desk:owner": Who.MEMBER,
    "desk:share": Who.COORDINATOR,
    "desk:unshare": Who.COORDINATOR,
    "desk:note": Who.MEMBER,
    "desk:task": Who.MEMBER,
    "desk:checklist": Who.MEMBER,
    "desk:message": Who.MEMBER,
    "desk:photo": Who.MEMBER,
    "desk:shred": Who.COORDINATOR,
    "desk:place": Who.COORDINATOR,
    "desk:placement": Who.COORDINATOR,
    "desk:match": Who.COORDINATOR,
    # Referrals: only coordinators keep the partner directory, refer and answer arrivals (a
    # counselor or host cannot); each sees only its own organisation's partners and arrivals.
    "referrals:partners": Who.COORDINATOR,
    "referrals:identity": Who.COORDINATOR,
    "referrals:partner-local": Who.COORDINATOR,
    "referrals:partner-remote": Who.COORDINATOR,
    "referrals:partner-key": Who.COORDINATOR,
    "referrals:refer": Who.COORDINATOR,
    "referrals:document": Who.COORDINATOR,
    "referrals:arrivals": Who.COORDINATOR,
    "referrals:arrival-decide": Who.COORDINATOR,
    # The knowledge base: requester-safe pages, counselors' pages, editors' review and editing;
    # coordinators of any organisation read the changes (other organisations' handles left out).
    "knowledge:home": Who.ANYONE,
    "knowledge:situation": Who.ANYONE,
    "knowledge:topic": Who.ANYONE,
    "knowledge:countries": Who.ANYONE,
    "knowledge:country": Who.ANYONE,
    "knowledge:country-sources": Who.ANYONE,
    "knowledge:screener": Who.ANYONE,
    "knowledge:counsel": Who.MEMBER,
    "knowledge:counsel-country": Who.MEMBER,
    "knowledge:counsel-screener": Who.MEMBER,
    "knowledge:grounds": Who.MEMBER,
    "knowledge:checklists": Who.MEMBER,
    "knowledge:review": Who.KNOWLEDGE_EDITOR,
    "knowledge:verify": Who.KNOWLEDGE_EDITOR,
    "knowledge:edit": Who.KNOWLEDGE_EDITOR,
    "knowledge:revert": Who.KNOWLEDGE_EDITOR,
    "knowledge:history": Who.COORDINATOR,
    "knowledge:revisions": Who.COORDINATOR,
    "knowledge:revision": Who.COORDINATOR,
    # The situation board: the board and the report form for anyone (no account, no script);
    # the desk's view and reviewing reports for members.
    "situation:board": Who.ANYONE,
    "situation:report": Who.ANYONE,
    "situation:desk": Who.MEMBER,
    "situation:review": Who.MEMBER,
    # Statistics: the organisation's released figures, their ledger and what it shares, for
    # coordinators; the public pages for funders (no script) show only released figures, and
    # only of organisations that chose to publish them.
    "reports:figures": Who.COORDINATOR,
    "reports:csv": Who.COORDINATOR,
    # Notifications: every member sets their own channel; the organisation's cadence is a
    # coordinator's (the service refuses anyone else too).
    "notifications:settings": Who.MEMBER,
    "notifications:channel": Who.MEMBER,
    "notifications:switch": Who.MEMBER,
    "notifications:remove": Who.MEMBER,
    "notifications:cadence": Who.COORDINATOR,
    "reports:hxl": Who.COORDINATOR,
    "reports:sharing": Who.COORDINATOR,
    "reports:public": Who.ANYONE,
    "reports:public-csv": Who.ANYONE,
    "reports:public-hxl": Who.ANYONE,
    "reports:network": Who.ANYONE,
    "reports:network-csv": Who.ANYONE,
    "reports:network-hxl": Who.ANYONE,
    # JSON API.
    "api:api-root": Who.API_ANYONE,
    "api:openapi-json": Who.API_ANYONE,
    "api:intake": Who.API_ANYONE,
    "api:status": Who.API_ANYONE,
    "api:status-messages": Who.API_ANYONE,
    "api:messages": Who.API_ANYONE,
    "api:cases": Who.API_COORDINATOR,
    "api:case": Who.API_COORDINATOR,
    "api:case-reveal": Who.API_COORDINATOR,
    "api:countries": Who.API_ANYONE,
    "api:country": Who.API_ANYONE,
    "api:screener": Who.API_ANYONE,
    # Deliveries between installs: the sender's signature, checked against the partners the
    # addressed organisation confirmed, decides (haven.referrals.delivery), not a token.
    "api:referrals": Who.API_ANYONE,
}


class Rule(StrEnum):
    """What a route holds to beyond who may open it; the service it calls enforces each, and the
    tests named for each rule in tests/security/test_authorisation.py show it."""

    # The act waits for a second coordinator (haven.accounts.approvals).
    TWO_PERSON = "two-person"
    # Whoever acts must be independent of the member acted on or for: not the same member, and
    # neither brought in by the other within the newcomer's first voucher_min_days.
    INDEPENDENT = "independent"
    # Makes or opens an account: the organisation's vouches, or a second coordinator's approval;
    # a coordinator's account always needs two coordinators.
    VETTING = "vetting"
    # Opens a sealed identity (a requester's or a volunteer's): a reason, one hourly limit
    # shared by all reveals, audited with the reason sealed.
    REVEAL = "reveal"
    # Refused while the acting member's reveals wait on a hold.
    HOLD = "hold"
    # Asks for a fresh code from the member's second factor.
    SECOND_FACTOR = "second-factor"
    # Ends the member's API tokens and their other server-side sessions.
    ENDS_TOKENS = "ends-tokens"
    # Names one organisation; objects of any other answer 404.
    OWN_ORGANISATION = "own-organisation"


R = Rule
RULES: dict[str, frozenset[Rule]] = {
    "volunteer-apply": frozenset({R.OWN_ORGANISATION}),
    "accounts:join": frozenset({R.VETTING}),
    "accounts:invite": frozenset({R.VETTING, R.TWO_PERSON}),
    "accounts:approval-approve": frozenset({R.TWO_PERSON, R.INDEPENDENT, R.OWN_ORGANISATION}),
    "accounts:approval-refuse": frozenset({R.OWN_ORGANISATION}),
    "accounts:rules": frozenset({R.TWO_PERSON}),
    "accounts:rotation": frozenset({R.TWO_PERSON}),
    "accounts:token-create": frozenset({R.SECOND_FACTOR}),
    "accounts:logout": frozenset({R.ENDS_TOKENS}),
    "accounts:passphrase": frozenset({R.ENDS_TOKENS}),
    "accounts:recovery-ask": frozenset({R.TWO_PERSON, R.INDEPENDENT, R.OWN_ORGANISATION}),
    "network:application": frozenset({R.OWN_ORGANISATION}),
    "network:application-read": frozenset({R.REVEAL, R.HOLD, R.OWN_ORGANISATION}),
    "network:application-decide": frozenset({R.VETTING, R.OWN_ORGANISATION}),
    "network:member-reports": frozenset({R.REVEAL, R.HOLD, R.OWN_ORGANISATION}),
    "network:suspend": frozenset({R.TWO_PERSON, R.ENDS_TOKENS, R.OWN_ORGANISATION}),
    "desk:hold-approve": frozenset({R.INDEPENDENT, R.OWN_ORGANISATION}),
    "desk:reveal": frozenset({R.REVEAL, R.HOLD, R.OWN_ORGANISATION}),
    "desk:share": frozenset({R.HOLD, R.INDEPENDENT, R.OWN_ORGANISATION}),
    "desk:shred": frozenset({R.TWO_PERSON, R.OWN_ORGANISATION}),
    "api:case-reveal": frozenset({R.REVEAL, R.HOLD, R.OWN_ORGANISATION}),
    "referrals:partner-key": frozenset({R.OWN_ORGANISATION}),
    "referrals:refer": frozenset({R.OWN_ORGANISATION}),
    "referrals:document": frozenset({R.HOLD, R.OWN_ORGANISATION}),
    "referrals:arrival-decide": frozenset({R.OWN_ORGANISATION}),
    "reports:sharing": frozenset({R.OWN_ORGANISATION}),
}


# Rules that an app decides for its own role, registered by the app when it starts
# (haven.knowledge registers who is a knowledge editor), so that this module imports no app.
ROLE_CHECKS: dict[Who, Callable[[object], bool]] = {}


# Pages a member who must have a second factor but has none yet may still open: every other
# member page sends them to set one up first.
WITHOUT_SECOND_FACTOR = {"accounts:second-factor", "accounts:logout"}
