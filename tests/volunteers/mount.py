"""Until the app is mounted in the site's urls and API (at integration), the tests mount it themselves:
a pytest plugin (``-p tests.volunteers.mount``, loaded by this folder's conftest) that adds the router to
the API and serves ``urlconf`` below, the site's addresses with this app's. Once mounted it does nothing."""

from __future__ import annotations

import pytest


def mounted() -> bool:
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("volunteers:volunteers")
    except NoReverseMatch:
        return False
    return True


@pytest.fixture(autouse=True)
def _volunteers_mounted(settings):
    if not mounted():
        settings.ROOT_URLCONF = "tests.volunteers.urlconf"
    yield
