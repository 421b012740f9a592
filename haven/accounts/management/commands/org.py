import getpass
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from haven.accounts.models import Member, Organisation
from haven.accounts.services import organisation_configure, organisation_create


class Command(BaseCommand):
    help = "Create or list organisations. Creating one makes its key pair and first coordinator."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser(
            "create", help="Create an organisation and its first coordinator."
        )
        create.add_argument("--slug", required=True, help="Short name used in addresses, e.g. ark.")
        create.add_argument("--name", required=True, help="The organisation's name.")
        create.add_argument(
            "--coordinator", required=True, help="Login name of the first coordinator."
        )
        create.add_argument(
            "--passphrase-file",
            type=Path,
            help="Read the coordinator's passphrase from this file ('-' for standard input) "
            "instead of asking for it twice.",
        )
        actions.add_parser("list", help="List organisations.")
        change = actions.add_parser(
            "set",
            help="Change an organisation's vetting, second-factor, retention, reveal-limit or "
            "matching settings.",
        )
        change.add_argument("slug", help="The organisation's slug.")
        change.add_argument("--vouches", type=int, help="Vouches an applicant needs (default 2).")
        change.add_argument(
            "--voucher-days",
            type=int,
            help="Days a member must have been vetted before their vouch counts (default 30).",
        )
        change.add_argument(
            "--second-factor-for-everyone",
            choices=["yes", "no"],
            help="Require a second factor of every member, not only coordinators.",
        )
        change.add_argument(
            "--retention-days",
            type=int,
            help="Days a resolved or closed case is kept before it is shredded (default 90).",
        )
        change.add_argument(
            "--reveals-per-hour",
            type=int,
            help="Cases one member may open in an hour before another coordinator must approve "
            "more (default 20).",
        )
        change.add_argument(
            "--proposal-expiry-hours",
            type=int,
            help="Hours a host has to answer a proposed guest before the proposal expires and "
            "the case goes back to the pool (default 12).",
        )
        change.add_argument(
            "--dual-prices",
            choices=["on", "off"],
            help="Rank a case's suggested beds by value minus the offer's potential, so a bed a "
            "more urgent group nearby needs ranks lower (default on); off: by value alone.",
        )
        suspend = actions.add_parser(
            "suspend",
            help="Suspend a member, a coordinator too, when too few coordinators are left to "
            "approve it on the web.",
        )
        suspend.add_argument("slug", help="The organisation's slug.")
        suspend.add_argument("handle", help="The member's login name.")
        suspend.add_argument("--reason", required=True, help="Why (sealed into the audit log).")
        release = actions.add_parser(
            "release-hold",
            help="Let a member whose reveals are held open cases again, when no independent "
            "coordinator is left to approve it.",
        )
        release.add_argument("slug", help="The organisation's slug.")
        release.add_argument("handle", help="The member's login name.")
        rotate = actions.add_parser(
            "rotate-key",
            help="Replace the organisation's key pair: re-seal everything sealed to the old key, "
            "give every active reader the new one, destroy the old. Resumes a rotation that "
            "stopped.",
        )
        rotate.add_argument("slug", help="The organisation's slug.")
        rotate.add_argument(
            "--coordinator",
            required=True,
            help="Login name of a coordinator whose passphrase unlocks the organisation key.",
        )
        rotate.add_argument(
            "--passphrase-file",
            type=Path,
            help="Read that coordinator's passphrase from this file ('-' for standard input).",
        )
        rotate.add_argument(
            "--batch-size", type=int, default=2000, help="Rows re-sealed per transaction (2000)."
        )
        rotate.add_argument(
            "--stop-after",
            type=int,
            metavar="BATCHES",
            help="Stop after this many batches; run the command again to go on.",
        )
        change.add_argument("--radius-km", type=float, help="Matching radius (default 300).")
        change.add_argument(
            "--max-wait-days", type=int, help="Days a group may wait for a bed (default 7)."
        )
        change.add_argument(
            "--per-km", type=float, help="Penalty per km per person (default 0.001)."
        )
        change.add_argument(
            "--language-penalty",
            type=float,
            help="Penalty per person when the host does not speak their first language (0.25).",
        )
        change.add_argument(
            "--per-wait-day", type=float, help="Penalty per waiting day per person (0.03)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "set":
            self._set(options)
            return
        if options["action"] in {"suspend", "release-hold"}:
            self._admin_act(options)
            return
        if options["action"] == "rotate-key":
            self._rotate(options)
            return
        if options["action"] == "list":
            for organisation in Organisation.objects.order_by("slug"):
                members = organisation.members.count()
                self.stdout.write(f"{organisation.slug}\t{organisation.name}\t{members} members")
            return
        passphrase = self._passphrase(options["passphrase_file"])
        try:
            organisation, coordinator = organisation_create(
                slug=options["slug"],
                name=options["name"],
                coordinator_handle=options["coordinator"],
                coordinator_passphrase=passphrase,
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(
            f"Created {organisation.name} ({organisation.slug}) with coordinator "
            f"{coordinator.handle}. Its private key exists only wrapped for that coordinator."
        )

    def _admin_act(self, options: dict[str, Any]) -> None:
        from haven.cases.models import RevealHold
        from haven.cases.reveal import reveal_hold_release_by_admin
        from haven.volunteers.suspension import member_suspend_by_admin

        member = Member.objects.filter(
            organisation__slug=options["slug"], handle=options["handle"]
        ).first()
        if member is None:
            raise CommandError(f"{options['slug']!r} has no member {options['handle']!r}.")
        if options["action"] == "suspend":
            try:
                member_suspend_by_admin(member=member, reason=options["reason"])
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from None
            self.stdout.write(f"Suspended {member.handle}.")
            if member.is_coordinator:
                self.stdout.write(
                    f"{member.handle} held the organisation key: replace it with "
                    f"`haven org rotate-key {options['slug']} --coordinator NAME`."
                )
            return
        holds = RevealHold.objects.filter(member=member, approved_at__isnull=True)
        for hold in holds:
            reveal_hold_release_by_admin(hold=hold)
        self.stdout.write(f"Released {len(holds)} hold(s) on {member.handle}.")

    def _rotate(self, options: dict[str, Any]) -> None:
        from haven.accounts.rotation import (
            Progress,
            RotationRefused,
            rotation_keys,
            rotation_run,
            rotation_start,
            running,
        )
        from haven.accounts.services import member_unlock
        from haven.accounts.unlock import Keyring, Locked

        organisation = Organisation.objects.filter(slug=options["slug"]).first()
        if organisation is None:
            raise CommandError(f"No organisation has the slug {options['slug']!r}.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        passphrase = self._passphrase(options["passphrase_file"], confirm=False)
        unlocked = member_unlock(handle=options["coordinator"], passphrase=passphrase)
        if unlocked is None or unlocked.member.organisation_id != organisation.pk:
            raise CommandError("That coordinator and passphrase do not match.")
        keyring = Keyring(member=unlocked.member, _private=unlocked.private_key)
        try:
            rotation = running(organisation.pk)
            if rotation is None:
                rotation, keys = rotation_start(actor=None, keyring=keyring)
                self.stdout.write(
                    f"{organisation.slug}: new key pair made; intake seals to it from now on."
                )
            else:
                keys = rotation_keys(keyring=keyring, rotation=rotation)
                self.stdout.write(f"{organisation.slug}: resuming the rotation begun earlier.")
        except (RotationRefused, Locked) as error:
            raise CommandError(str(error)) from None

        def show(progress: Progress) -> None:
            if progress.sweep:
                self.stdout.write(
                    f"  last sweep of {progress.kind} ({progress.total} to check): "
                    f"{progress.done} re-sealed in all"
                )
                return
            self.stdout.write(
                f"  {progress.kind}: {progress.done}/{progress.total} re-sealed "
                f"({progress.rows_per_second:,.0f} rows/s)"
            )

        finished = rotation_run(
            rotation=rotation,
            keys=keys,
            batch_size=options["batch_size"],
            max_batches=options["stop_after"],
            report=show,
        )
        if finished:
            self.stdout.write(
                f"{organisation.slug}: rotation finished; every active reader holds the new key "
                "and the old private key is destroyed."
            )
        else:
            self.stdout.write(
                f"{organisation.slug}: stopped part way; run the same command again to go on."
            )

    def _passphrase(self, source: Path | None, *, confirm: bool = True) -> str:
        if source is not None:
            text = sys.stdin.read() if str(source) == "-" else source.read_text(encoding="utf-8")
            return text.rstrip("\n")
        if not sys.stdin.isatty():
            raise CommandError("No terminal to ask for a passphrase: give --passphrase-file.")
        first = getpass.getpass("Coordinator's passphrase (at least 12 characters): ")
        if confirm and getpass.getpass("Again: ") != first:
            raise CommandError("The two passphrases differ.")
        return first

    def _set(self, options: dict[str, Any]) -> None:
        organisation = Organisation.objects.filter(slug=options["slug"]).first()
        if organisation is None:
            raise CommandError(f"No organisation has the slug {options['slug']!r}.")
        names = {
            "radius_km": "radius_km",
            "max_wait_days": "max_wait_days",
            "per_km": "per_km",
            "language_penalty": "language",
            "per_wait_day": "per_wait_day",
        }
        weights = {names[key]: options[key] for key in names if options[key] is not None}
        everyone = options["second_factor_for_everyone"]
        dual = options["dual_prices"]
        try:
            organisation = organisation_configure(
                organisation=organisation,
                vouches_required=options["vouches"],
                voucher_min_days=options["voucher_days"],
                second_factor_required=None if everyone is None else everyone == "yes",
                matching_weights=weights or None,
                retention_days=options["retention_days"],
                reveals_per_hour=options["reveals_per_hour"],
                proposal_expiry_hours=options["proposal_expiry_hours"],
                dual_prices=None if dual is None else dual == "on",
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(
            f"{organisation.slug}: {organisation.vouches_required} vouches from members vetted "
            f"{organisation.voucher_min_days} days; second factor for everyone: "
            f"{'yes' if organisation.second_factor_required else 'no'}; cases kept "
            f"{organisation.retention_days} days after they end; at most "
            f"{organisation.reveals_per_hour} cases opened an hour per member; proposals expire "
            f"after {organisation.proposal_expiry_hours} hours; matching: "
            f"{organisation.matching_weights or 'defaults'}; dual prices: "
            f"{'on' if organisation.dual_prices else 'off'}"
        )
