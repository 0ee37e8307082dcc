"""Locust scenario for ``bench/load_test.py``: every user GETs one URL over and over.

The URL is ``LOCUST_PATH`` (on ``--host``), with ``Accept-Encoding`` from
``LOCUST_ACCEPT_ENCODING`` (default ``gzip``; empty for none). A response that is not
200 is a failure. The run stops by itself after ``LOCUST_MAX_REQUESTS`` requests
(default 50 000), or at ``--run-time``, whichever comes first.
"""

from __future__ import annotations

import os

import gevent
from locust import FastHttpUser, constant, events, task

PATH = os.environ.get("LOCUST_PATH", "/api/maps/")
ACCEPT_ENCODING = os.environ.get("LOCUST_ACCEPT_ENCODING", "gzip")
MAX_REQUESTS = int(os.environ.get("LOCUST_MAX_REQUESTS", "50000"))

_sent = 0
_environment = None


@events.init.add_listener
def _keep_environment(environment, **kwargs) -> None:
    global _environment
    _environment = environment


@events.request.add_listener
def _stop_after_max_requests(**kwargs) -> None:
    global _sent
    _sent += 1
    if _sent == MAX_REQUESTS and _environment is not None and _environment.runner is not None:
        gevent.spawn(_environment.runner.quit)


class Reader(FastHttpUser):
    wait_time = constant(0)  # closed loop: the next request as soon as the last answered

    @task
    def get(self) -> None:
        headers = {"Accept-Encoding": ACCEPT_ENCODING}
        with self.client.get(PATH, headers=headers, name=PATH, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
