"""Settings for running the matrix's home-care rows before the assembly mounts the app's API: the
project's settings with ``tests.homecare.site_urls`` as the root URL configuration (``--ds
tests.homecare.site_settings``). Read as a file: importing ``shequ.settings`` would import the ``shequ``
package, whose Celery app reads these very settings while they load."""

from pathlib import Path

_SOURCE = Path(__file__).resolve().parents[2] / "src" / "shequ" / "settings.py"
_namespace: dict = {"__file__": str(_SOURCE), "__name__": "shequ.settings"}
exec(compile(_SOURCE.read_text(encoding="utf-8"), str(_SOURCE), "exec"), _namespace)  # noqa: S102
globals().update({k: v for k, v in _namespace.items() if k.isupper()})

ROOT_URLCONF = "tests.homecare.site_urls"
