"""The storage contract on the SQL backend: SQLite, PostgreSQL, MariaDB."""

import pytest

from cloudkitty import exception
from cloudkitty import storage
from cloudkitty.storage import sqlalchemy as sql_storage
from cloudkitty.tests.functional.storage import contract


class TestSQLAlchemyStorage(contract.StorageContract):

    @pytest.fixture
    def backend(self, db, conf):
        return storage.get_storage(conf)


def test_get_storage_loads_the_entry_point(conf):
    assert isinstance(storage.get_storage(conf),
                      sql_storage.SQLAlchemyStorage)


def test_get_storage_unknown_backend(conf):
    conf.set_override('backend', 'nosuch', group='storage')
    with pytest.raises(exception.ConfigError) as err:
        storage.get_storage(conf)
    assert '[storage] backend' in str(err.value)
    assert 'nosuch' in str(err.value)
