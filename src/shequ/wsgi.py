"""The WSGI application, served by gunicorn (``gunicorn shequ.wsgi:application``, started by
scripts/serve.sh; see docs/deploy.md). ``manage.py runserver`` uses it too, for development only."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
application = get_wsgi_application()
