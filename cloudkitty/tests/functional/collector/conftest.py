"""Session-wide real servers for the collector and fetcher tests."""

import pytest

from cloudkitty.tests import db_backends
from cloudkitty.tests import services


@pytest.fixture(scope='session')
def gnocchi_server():
    """A real Gnocchi 4.7 (started once per test process)."""
    server = services.GnocchiServer()
    try:
        server.start()
    except services.ServiceError as err:
        server.stop()
        db_backends.unavailable('Gnocchi: %s' % err)
    yield server
    server.stop()
