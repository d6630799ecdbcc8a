"""cloudkitty-storage-purge as an operator runs it (real process)."""

import decimal
import os
import subprocess
import sys

from cloudkitty import storage
from cloudkitty.tests.functional.storage import seed

BIN = os.path.dirname(sys.executable)


def _purge(tmp_path, url, *args, extra=''):
    config = tmp_path / 'cloudkitty.conf'
    config.write_text('[database]\nconnection = %s\n%s' % (url, extra))
    return subprocess.run(
        [os.path.join(BIN, 'cloudkitty-storage-purge'), '--config-file',
         str(config), *args], capture_output=True, text=True, timeout=120)


def test_purge_before(db, conf, admin_context, tmp_path):
    backend = storage.get_storage(conf)
    seed.appendix_a(backend, admin_context)
    url = db.url.render_as_string(hide_password=False)
    result = _purge(tmp_path, url, '--before', '2015-01-05T00:00:00Z')
    assert result.returncode == 0, result.stderr
    # A and B lose their 11 hours of Jan 4, 4 rows each
    assert 'Purged 88 rated rows' in result.stdout
    assert backend.total(admin_context, '2015-01-01', '2015-02-01') == \
        decimal.Decimal('2.916') * (45 + 17)


def test_purge_by_retention(db, conf, admin_context, tmp_path):
    backend = storage.get_storage(conf)
    seed.appendix_a(backend, admin_context)
    url = db.url.render_as_string(hide_password=False)
    result = _purge(tmp_path, url, extra='[storage]\nretention_period = 0\n')
    assert result.returncode == 0, result.stderr
    assert 'nothing purged' in result.stdout
    # default retention (100 days) removes 2015, keeps the current month
    result = _purge(tmp_path, url)
    assert result.returncode == 0, result.stderr
    assert 'Purged 336 rated rows' in result.stdout
    assert backend.tenants(admin_context, '2000-01-01', '2100-01-01') == [
        seed.TENANT_C]


def test_purge_errors_are_one_line(tmp_path):
    url = 'sqlite:///%s' % (tmp_path / 'ck.sqlite')
    result = _purge(tmp_path, url, '--before', 'last tuesday')
    assert result.returncode == 2
    assert result.stderr.count('\n') == 1
    assert '--before' in result.stderr and 'last tuesday' in result.stderr
    result = _purge(tmp_path, url, '--before', '2015-01-01')
    assert result.returncode == 2
    assert result.stderr.count('\n') == 1
    assert '[database] connection' in result.stderr
