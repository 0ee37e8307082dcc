"""argmap's Django project. The task queue's app is loaded with it, so that tasks sent from
the web process use its settings (argmap/celery.py)."""

from argmap.celery import app as celery_app

__all__ = ("celery_app",)
