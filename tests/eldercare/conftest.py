import pytest


@pytest.fixture(autouse=True)
def _eldercare_files(settings, tmp_path):
    """Photos go to the test's own directory."""
    settings.SHEQU_ELDERCARE_FILES_DIR = tmp_path / "eldercare-files"
