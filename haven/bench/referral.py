"""`haven bench referral`: send referrals carrying one document between two local installs.

Two temporary installs (each its own SQLite file under a temporary directory, each served by
`haven serve` on 127.0.0.1) refer to each other. Each round proposes a referral with a random
document of the size asked (sealed to the partner and signed), has the requester consent, sends
it over HTTP (the receiver checks the signature and keeps it sealed), accepts it on the receiving
side (opened into a new case under its own key, the document sealed in chunks) and sends the
answer back. The figures are timed inside each install's process, so the start-up of the
processes that play the people is not counted. Bounded: `rounds` rounds, then it stops and
removes everything.
"""

import json
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path

from haven.referrals.installs import Install, free_port

STEPS = ("seal and sign", "send and receive", "accept and open", "answer back")


def run(*, megabytes: float, rounds: int, as_json: bool, out: Callable[[str], object]) -> None:
    """Run the rounds and print the median of each step, and of the whole."""
    document = int(megabytes * 1024 * 1024)
    with tempfile.TemporaryDirectory(prefix="haven-referral-bench-") as directory:
        a = Install(Path(directory) / "a", free_port())
        b = Install(Path(directory) / "b", free_port())
        try:
            for install in (a, b):
                install.migrate()
            ark = a.act("setup", slug="ark", handle="anna")
            wald = b.act("setup", slug="wald", handle="wolf")
            to_wald = a.add("anna", "Wald", b, wald)
            b.add("wolf", "Ark", a, ark)
            a.start()
            b.start()
            timings: dict[str, list[float]] = {step: [] for step in STEPS}
            sizes = []
            for _round in range(rounds):
                asked = a.act("request", handle="anna")
                proposed = a.act(
                    "propose",
                    handle="anna",
                    case=asked["case"],
                    partner=to_wald,
                    document_bytes=document,
                )
                a.act("consent", case=asked["case"], referral=proposed["referral"])
                sent = a.act("deliver")
                answered = b.act(
                    "answer", handle="wolf", referral=proposed["referral"], accept=True, note=""
                )
                back = b.act("deliver")
                if sent["sent"] != 1 or back["sent"] != 1 or answered["status"] != "accepted":
                    raise RuntimeError(f"a round did not go through: {sent} {answered} {back}")
                timings["seal and sign"].append(float(proposed["seconds"]))
                timings["send and receive"].append(float(sent["seconds"]))
                timings["accept and open"].append(float(answered["seconds"]))
                timings["answer back"].append(float(back["seconds"]))
                sizes.append(int(proposed["bytes"]))
        finally:
            a.stop()
            b.stop()
    medians = {step: statistics.median(values) for step, values in timings.items()}
    total = sum(medians.values())
    if as_json:
        out(
            json.dumps(
                {
                    "document_bytes": document,
                    "delivery_bytes": statistics.median(sizes),
                    "rounds": rounds,
                    "median_seconds": medians,
                    "total_seconds": total,
                }
            )
            + "\n"
        )
        return
    out(
        f"One referral with a {megabytes:g} MB document between two local installs "
        f"(median of {rounds}; delivery {statistics.median(sizes) / 1e6:.2f} MB on the wire):\n"
    )
    for step in STEPS:
        out(f"  {step:<18} {medians[step] * 1000:8.0f} ms\n")
    out(f"  {'total':<18} {total * 1000:8.0f} ms\n")
