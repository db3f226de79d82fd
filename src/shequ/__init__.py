# The Celery application is loaded with Django, so that a task sent from a web process goes to the
# configured broker (the standard Celery–Django arrangement).
from .tasks import app as celery_app

__all__ = ["celery_app"]
