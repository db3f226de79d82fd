"""Settings for running the authorization matrix over the rule pages before integration mounts them:
``pytest tests/test_authorization_matrix.py --ds tests.eldercare.settings_rules -k programme_rules``."""

from shequ.settings import *  # noqa: F403

ROOT_URLCONF = "tests.eldercare.urls"
