"""Until the app is mounted in the site's urls and API (at integration), the tests mount it themselves:
a pytest plugin (``-p tests.volunteers.mount``, loaded by this folder's conftest) that adds the router to
the API and serves ``urlconf`` below, the site's addresses with this app's. Once mounted it does nothing."""

from __future__ import annotations

import pytest


def mounted() -> bool:
    """The site's own urls serve this app's pages and API (asked of the site's urlconf, not of the
    scaffold: an earlier test may have added the router to the API already)."""
    from django.conf import settings
    from django.urls import Resolver404, resolve

    try:
        resolve("/programmes/volunteers/", urlconf=settings.ROOT_URLCONF)
        resolve("/api/programmes/volunteers/figures", urlconf=settings.ROOT_URLCONF)
    except Resolver404:
        return False
    return True


@pytest.fixture(autouse=True)
def _volunteers_mounted(settings):
    if not mounted():
        settings.ROOT_URLCONF = "tests.volunteers.urlconf"
    yield
