"""Coordinates: GCJ-02 (the offset system of Chinese map services) to WGS-84.

GCJ-02 adds a deterministic, non-linear offset of up to a few hundred metres to WGS-84 inside
mainland China. The forward offset is public; the inverse has no closed form, so it is found by
fixed-point iteration, which converges to well under a centimetre in a few steps.
"""

from __future__ import annotations

import math

_A = 6378245.0  # Krasovsky 1940 semi-major axis, as used by GCJ-02
_EE = 0.00669342162296594323  # its first eccentricity squared


def valid_point(lon: float, lat: float) -> bool:
    """A finite position on the globe (what a phone's location may be; anything else is bad input)."""
    return math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90


def outside_china(lon: float, lat: float) -> bool:
    """GCJ-02 applies no offset outside this box."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _waves(t: float, a: float, f: float, b: float, g: float) -> float:
    """Two sine waves in ``t`` (amplitudes ``a`` and ``b``, frequencies ``f`` and ``g``), as GCJ-02 adds them."""
    return (a * math.sin(f * t * math.pi) + b * math.sin(g * t * math.pi)) * 2.0 / 3.0


def _offset(lon: float, lat: float) -> tuple[float, float]:
    x, y = lon - 105.0, lat - 35.0
    ripple = _waves(x, 20.0, 6.0, 20.0, 2.0)
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x)) + ripple
    d_lat += _waves(y, 20.0, 1.0, 40.0, 1 / 3) + _waves(y, 160.0, 1 / 12, 320.0, 1 / 30)
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x)) + ripple
    d_lon += _waves(x, 20.0, 1.0, 40.0, 1 / 3) + _waves(x, 150.0, 1 / 12, 300.0, 1 / 30)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return d_lon, d_lat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    if outside_china(lon, lat):
        return lon, lat
    d_lon, d_lat = _offset(lon, lat)
    return lon + d_lon, lat + d_lat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """The WGS-84 point whose GCJ-02 image is (lon, lat)."""
    if outside_china(lon, lat):
        return lon, lat
    w_lon, w_lat = lon, lat
    for _ in range(30):
        g_lon, g_lat = wgs84_to_gcj02(w_lon, w_lat)
        e_lon, e_lat = g_lon - lon, g_lat - lat
        w_lon, w_lat = w_lon - e_lon, w_lat - e_lat
        if abs(e_lon) < 1e-10 and abs(e_lat) < 1e-10:
            break
    return w_lon, w_lat
