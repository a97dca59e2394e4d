"""Distances on the Earth, for every module that needs one (one formula, one radius)."""

from __future__ import annotations

import math

import numpy as np

EARTH_KM = 6371.0


def haversine_km(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Great-circle kilometres from one point to many; every angle in radians."""
    a = np.sin((lats - lat) / 2) ** 2 + math.cos(lat) * np.cos(lats) * np.sin((lons - lon) / 2) ** 2
    result: np.ndarray = 2 * EARTH_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
    return result


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle kilometres between two (latitude, longitude) points in degrees."""
    lats, lons = np.radians([b[0]]), np.radians([b[1]])
    return float(haversine_km(math.radians(a[0]), math.radians(a[1]), lats, lons)[0])
