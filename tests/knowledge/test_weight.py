"""The requester's knowledge pages are as light as the intake's: each, in each language and in
the states a reader meets (a status chosen or not, in a dangerous country, a screening), weighs at
most 20 KB with everything it loads, runs no script and names no other origin."""

import pytest
from django.test import Client

from haven.knowledge.topics import shipped_situations, shipped_topics
from tests.intake.test_weight import LIMIT, weigh

SCREENINGS = [
    {"status": "deserter", "documents": ["internal_passport"], "current_country": "KZ"},
    {
        "status": "not_called_up",
        "documents": ["international_passport", "schengen_visa"],
        "current_country": "RU",
    },
    {"status": "activist", "documents": ["international_passport"], "current_country": "GE"},
]


def _paths(language: str) -> list[str]:
    base = f"/{language}/knowledge"
    paths = [f"{base}/", f"{base}/countries/", f"{base}/countries/?status=deserter&here=kz"]
    paths += [f"{base}/now/{situation.id}/" for situation in shipped_situations()]
    paths += [f"{base}/topic/{section.id}/" for section in shipped_topics().sections]
    for iso2 in ("kz", "am", "ge", "us", "by", "de", "tr"):
        paths += [f"{base}/{iso2}/", f"{base}/{iso2}/?status=deserter&here={iso2}"]
        paths.append(f"{base}/{iso2}/sources/")
    return [*paths, f"{base}/screener/"]


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_knowledge_page_a_requester_reads_stays_within_the_budget(
    db: None, language: str
) -> None:
    client = Client()
    weights = {}
    for path in _paths(language):
        response = client.get(path)
        assert response.status_code == 200, path
        weights[path] = weigh(client, response.content)
    for number, answers in enumerate(SCREENINGS):
        response = client.post(f"/{language}/knowledge/screener/", answers)
        assert response.status_code == 200
        weights[f"screening {number}"] = weigh(client, response.content)
    heavy = {path: size for path, size in weights.items() if size > LIMIT}
    assert heavy == {}, f"over {LIMIT} bytes"
