import pytest


@pytest.fixture(autouse=True)
def _eldercare_files(settings, tmp_path):
    """Photos go to the test's own directory; the rule pages are mounted (integration mounts them)."""
    settings.SHEQU_ELDERCARE_FILES_DIR = tmp_path / "eldercare-files"
    from django.urls import clear_url_caches

    if not any(p.pattern.describe().startswith("'programmes/rules/'") for p in _root_patterns()):
        settings.ROOT_URLCONF = "tests.eldercare.urls"
        clear_url_caches()


def _root_patterns():
    from django.urls import get_resolver

    return get_resolver().url_patterns
