from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from haven.accounts.models import Organisation
from haven.core.places import COUNTRIES
from haven.matching.services import propose


class Command(BaseCommand):
    help = (
        "Run the bed optimiser for an organisation, country by country, and print what it "
        "proposes and why urgent people stay unplaced. It stores nothing: a coordinator confirms "
        "proposals on the desk (Match beds)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--org", required=True, help="The organisation's slug.")
        parser.add_argument(
            "--country",
            action="append",
            default=[],
            help="ISO code of a country (repeatable); every country when left out.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(slug=options["org"]).first()
        if organisation is None:
            raise CommandError(f"No organisation has the slug {options['org']!r}.")
        countries = [code.upper() for code in options["country"]] or list(COUNTRIES)
        unknown = [code for code in countries if code not in COUNTRIES]
        if unknown:
            raise CommandError(f"Unknown country code(s): {', '.join(unknown)}.")
        self.stdout.write(
            f"{'country':<8}{'open':>6}{'proposed':>10}{'people':>8}{'urgent placed':>15}  "
            "urgent unplaced (why)"
        )
        for country in countries:
            proposal = propose(organisation.pk, country)
            if not proposal.open_cases:
                continue
            why = (
                ", ".join(
                    f"{reason} {people}"
                    for reason, people in proposal.urgent_unplaced.most_common()
                )
                or "-"
            )
            urgent = f"{proposal.urgent_placed} of {proposal.urgent_people}"
            self.stdout.write(
                f"{country:<8}{proposal.open_cases:>6}{len(proposal.pairs):>10}"
                f"{proposal.people_placed:>8}{urgent:>15}  {why}"
            )
