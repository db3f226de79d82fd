import pytest


@pytest.fixture(autouse=True)
def checkpoint_file(settings, tmp_path):
    """Each test its own checkpoint file (a developer's var/audit belongs to another database)."""
    settings.SHEQU_AUDIT_CHECKPOINT_FILE = tmp_path / "audit" / "checkpoints.jsonl"
    return settings.SHEQU_AUDIT_CHECKPOINT_FILE
