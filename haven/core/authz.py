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
    # Volunteers.
    "accounts:login": Who.ANYONE,
    "accounts:join": Who.ANYONE,
    "accounts:logout": Who.MEMBER,
    "accounts:home": Who.MEMBER,
    "accounts:token-create": Who.MEMBER,
    "accounts:token-revoke": Who.MEMBER,
    "accounts:team": Who.COORDINATOR,
    "accounts:invite": Who.COORDINATOR,
    # The desk.
    "desk:list": Who.COORDINATOR,
    "desk:case": Who.COORDINATOR,
    "desk:reveal": Who.COORDINATOR,
    # JSON API.
    "api:api-root": Who.API_ANYONE,
    "api:openapi-json": Who.API_ANYONE,
    "api:intake": Who.API_ANYONE,
    "api:status": Who.API_ANYONE,
    "api:cases": Who.API_COORDINATOR,
    "api:case": Who.API_COORDINATOR,
    "api:case-reveal": Who.API_COORDINATOR,
}
