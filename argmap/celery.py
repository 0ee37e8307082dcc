"""The task queue's application: `celery -A argmap worker` runs the jobs (api/tasks.py).

Settings are Django's ``CELERY_*`` (argmap/settings.py); without ``CELERY_BROKER_URL``,
tasks run in the process that sends them (``make run`` needs no worker).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "argmap.settings")

app = Celery("argmap")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
