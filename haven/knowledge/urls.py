from django.urls import path, register_converter

from haven.knowledge.views import edit, public, staff


class Iso2Converter:
    """A country code in a URL: lower case there, upper case in Python (ISO 3166 alpha-2)."""

    regex = "[a-z]{2}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return value.lower()


register_converter(Iso2Converter, "iso2")

app_name = "knowledge"
urlpatterns = [
    # Requester-safe: no script, quick exit, nothing stored.
    path("", public.home, name="home"),
    path("countries/", public.countries, name="countries"),
    path("now/<slug:situation>/", public.situation, name="situation"),
    path("topic/<slug:topic>/", public.topic, name="topic"),
    path("screener/", public.screener, name="screener"),
    path("<iso2:iso2>/", public.country, name="country"),
    path("<iso2:iso2>/sources/", public.country_sources, name="country-sources"),
    # Counselors and coordinators.
    path("counsel/", staff.countries, name="counsel"),
    path("counsel/screener/", staff.screener, name="counsel-screener"),
    path("counsel/grounds/", staff.grounds, name="grounds"),
    path("counsel/checklists/", staff.checklists, name="checklists"),
    path("counsel/<iso2:iso2>/", staff.country, name="counsel-country"),
    # Knowledge editors of the publishing organisation.
    path("review/", edit.review, name="review"),
    path("verify/<iso2:iso2>/<slug:field>/", edit.verify, name="verify"),
    path("edit/<iso2:iso2>/<slug:field>/", edit.fact_edit_view, name="edit"),
    path("edit/<iso2:iso2>/<slug:field>/history/", edit.history, name="history"),
    path("revisions/", edit.revision_list, name="revisions"),
    path("revisions/<int:revision_id>/", edit.revision_detail, name="revision"),
    path("revisions/<int:revision_id>/revert/", edit.revert, name="revert"),
]
