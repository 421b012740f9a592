"""An organisation's matching settings, read by the desk's suggestions and by the potentials run
alike."""

from haven.accounts.models import Organisation
from haven.matching.engine import Weights


def weights_for(organisation_id: int) -> Weights:
    """The organisation's matching settings: the engine's defaults with its overrides."""
    overrides = (
        Organisation.objects.filter(pk=organisation_id)
        .values_list("matching_weights", flat=True)
        .first()
        or {}
    )
    if "urgency" in overrides:
        overrides = {**overrides, "urgency": tuple(overrides["urgency"])}
    return Weights(**overrides)
