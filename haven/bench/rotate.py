"""The cost of replacing an organisation's key: load N sealed requests into a fresh bench
organisation, then rotate its key through the same code as `haven org rotate-key`, printing rows
re-sealed per second as it goes, and extrapolate to a larger organisation.

Every run makes its own organisation (its coordinator's passphrase is random and never kept), so
the figure always includes every case; the organisations stay behind, like `haven bench desk`'s.
"""

import json
import secrets
import time
from collections.abc import Callable

from django.db import connection

from haven.accounts.credentials import member_unlock
from haven.accounts.organisations import organisation_create
from haven.accounts.rotation import Progress, rotation_run, rotation_start
from haven.accounts.unlock import Keyring
from haven.bench.desk import load

SLUG_PREFIX = "bench-rotate"


def run(
    cases: int,
    batch_size: int,
    extrapolate_to: int,
    as_json: bool,
    out: Callable[[str], None],
) -> None:
    """Load `cases` requests, rotate the key, and print the rate and the extrapolation."""
    slug = f"{SLUG_PREFIX}-{secrets.token_hex(3)}"
    passphrase = secrets.token_urlsafe(24)
    organisation, coordinator = organisation_create(
        slug=slug,
        name="Rotation benchmark",
        coordinator_handle=f"{slug}-coordinator",
        coordinator_passphrase=passphrase,
    )
    load_seconds = load(organisation, cases)
    unlocked = member_unlock(handle=coordinator.handle, passphrase=passphrase)
    assert unlocked is not None  # noqa: S101  # made a moment ago with this passphrase
    keyring = Keyring(member=unlocked.member, _private=unlocked.private_key)
    last_line = [0.0]
    main_pass = {"seconds": 0.0, "rows": 0}

    def show(progress: Progress) -> None:
        now = time.monotonic()
        if progress.sweep:
            return
        main_pass["seconds"] = now - started
        main_pass["rows"] = progress.done if progress.kind == "cases.Case" else main_pass["rows"]
        if not as_json and now - last_line[0] >= 2.0:
            last_line[0] = now
            out(
                f"  {progress.kind}: {progress.done:,}/{progress.total:,} "
                f"({progress.rows_per_second:,.0f} rows/s)"
            )

    started = time.monotonic()
    rotation, keys = rotation_start(actor=None, keyring=keyring)
    start_seconds = time.monotonic() - started
    finished = rotation_run(rotation=rotation, keys=keys, batch_size=batch_size, report=show)
    total_seconds = time.monotonic() - started
    rotation.refresh_from_db()
    resealed = sum(int(count) for count in rotation.done.values())
    # The rate of the main pass over the cases: the sweep after it waits a fixed
    # HAVEN_ROTATION_SETTLE_SECONDS from the start, whatever the size.
    rate = main_pass["rows"] / max(main_pass["seconds"], 1e-9)
    result = {
        "database": connection.vendor,
        "organisation": slug,
        "cases": cases,
        "batch_size": batch_size,
        "load_seconds": round(load_seconds, 1),
        "start_seconds": round(start_seconds, 3),
        "rotation_seconds": round(total_seconds, 1),
        "rows_resealed": resealed,
        "main_pass_seconds": round(main_pass["seconds"], 1),
        "rows_per_second": round(rate),
        "finished": finished,
        "extrapolated_to": extrapolate_to,
        "extrapolated_minutes": round(extrapolate_to / max(rate, 1e-9) / 60, 1),
    }
    if as_json:
        out(json.dumps(result, indent=2))
        return
    out(
        f"rotation benchmark on {connection.vendor}: {cases:,} cases loaded in "
        f"{load_seconds:.1f} s; key rotated in {total_seconds:.1f} s in all, the main pass "
        f"in {main_pass['seconds']:.1f} s ({resealed:,} rows re-sealed, {rate:,.0f} rows/s, "
        f"batches of {batch_size:,})"
    )
    out(
        f"at that rate {extrapolate_to:,} cases take about "
        f"{result['extrapolated_minutes']} minutes (linear: each row costs one sealed-box open "
        "and seal, and batches are indexed primary-key ranges)"
    )
