from tests.volunteers.mount import _volunteers_mounted  # noqa: F401  (until the app is mounted)
