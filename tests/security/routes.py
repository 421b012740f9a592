"""Every route of the project, as concrete requests a test can make."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import translation


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str


def _walk(
    patterns: Sequence[URLPattern | URLResolver], prefix: str, namespace: str
) -> Iterator[Route]:
    for item in patterns:
        if isinstance(item, URLResolver):
            inner = (
                f"{namespace}:{item.namespace}"
                if namespace and item.namespace
                else (item.namespace or namespace)
            )
            yield from _walk(item.url_patterns, prefix + str(item.pattern), inner)
        elif isinstance(item, URLPattern):
            name = f"{namespace}:{item.name}" if namespace else str(item.name)
            yield Route(name=name, pattern=prefix + str(item.pattern))


def all_routes() -> list[Route]:
    """Each named route once (the language prefix resolved to English)."""
    with translation.override("en"):
        seen: dict[str, Route] = {}
        for route in _walk(get_resolver().url_patterns, "/", ""):
            seen.setdefault(route.name, route)
    return sorted(seen.values(), key=lambda route: route.name)


def concrete(route: Route, values: dict[str, str]) -> str:
    """Fill a route's parameters with the values a test prepared; fail on an unknown one."""
    path = route.pattern
    for converter in (
        "<uuid:case_id>",
        "<case_id>",
        "<slug:slug>",
        "<slug:public_id>",
        "<iso2:iso2>",
        "<iso2>",
        "<slug:field>",
        "<slug:situation>",
        "<slug:topic>",
        "<int:revision_id>",
        "<slug:kind>",
        "<int:offer_id>",
        "<int:placement_id>",
        "<int:vouch_id>",
        "<int:application_id>",
        "<int:member_id>",
        "<uuid:message_id>",
        "<uuid:note_id>",
        "<int:hold_id>",
        "<int:approval_id>",
        "<int:key_id>",
        "<uuid:report_id>",
        "<int:partner_id>",
        "<uuid:referral_id>",
        "<uuid:arrival_id>",
        "<uuid:document_id>",
    ):
        if converter in path:
            key = converter.strip("<>{}").split(":")[-1]
            path = path.replace(converter, values[key])
    path = path.replace("^", "").replace("$", "")
    if "<" in path or "{" in path:
        raise AssertionError(f"the route test does not know how to fill {route.pattern}")
    return path
