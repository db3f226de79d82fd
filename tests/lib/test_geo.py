from hypothesis import given
from hypothesis import strategies as st

from shequ.lib.geo import gcj02_to_wgs84, wgs84_to_gcj02


def test_known_offset_in_shenyang():
    # Around Shenyang the GCJ-02 offset is roughly +0.0065° longitude, +0.0015°..+0.0025° latitude
    # (several hundred metres), the order of magnitude every map user there has seen.
    lon, lat = wgs84_to_gcj02(123.4315, 41.8057)
    assert 0.003 < lon - 123.4315 < 0.010 and 0.0005 < lat - 41.8057 < 0.004


@given(lon=st.floats(100, 130), lat=st.floats(20, 50))
def test_inverse_round_trips_to_a_millimetre(lon, lat):
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert abs(back[0] - lon) < 1e-8 and abs(back[1] - lat) < 1e-8


def test_no_offset_outside_china():
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)
    assert gcj02_to_wgs84(-122.27, 37.8) == (-122.27, 37.8)
