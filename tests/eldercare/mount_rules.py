"""A pytest plugin mounting the programme rules' pages as integration will, to run the authorization
matrix over them before that: ``pytest tests/test_authorization_matrix.py -p tests.eldercare.mount_rules
-k "eldercare or programme_rules"``."""

import pytest


@pytest.fixture(autouse=True)
def _mount_rules(settings):
    from django.urls import clear_url_caches

    settings.ROOT_URLCONF = "tests.eldercare.urls"
    clear_url_caches()
