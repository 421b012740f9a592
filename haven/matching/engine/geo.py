"""Distances on the sphere, shared by every part of the engine so they agree to the last bit."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_KM = 6371.0088

F8 = npt.NDArray[np.float64]


def haversine_km(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> F8:
    """Great-circle distance in kilometres, element-wise."""
    p1 = np.radians(np.asarray(lat1, dtype=np.float64))
    p2 = np.radians(np.asarray(lat2, dtype=np.float64))
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64))
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(
        2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h))), dtype=np.float64
    )


def unit_vectors(lat: npt.ArrayLike, lon: npt.ArrayLike) -> F8:
    """Points on the unit sphere, one row per coordinate pair, for KD-tree range queries."""
    phi = np.radians(np.asarray(lat, dtype=np.float64))
    lam = np.radians(np.asarray(lon, dtype=np.float64))
    cos_phi = np.cos(phi)
    return np.column_stack((cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)))


def chord_for_km(km: float) -> float:
    """Straight-line distance between unit-sphere points that lie ``km`` apart on the surface.

    A little slack is added: range queries use it to over-select, then filter by haversine.
    """
    angle = min(np.pi, km / EARTH_RADIUS_KM)
    return float(2 * np.sin(angle / 2) * (1 + 1e-9) + 1e-12)
