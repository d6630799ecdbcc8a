"""cloudkitty-writer as an operator runs it (real process, every DB):
export totals equal the report totals to the cent."""

import csv
import decimal
import json
import os
import subprocess
import sys

import pytest

from cloudkitty import storage
from cloudkitty.tests.functional.storage import seed

BIN = os.path.dirname(sys.executable)
D = decimal.Decimal
BEGIN, END = '2015-01-01T00:00:00Z', '2015-02-04T00:00:00Z'


def _writer(tmp_path, url, *args):
    config = tmp_path / 'cloudkitty.conf'
    config.write_text('[database]\nconnection = %s\n' % url)
    out = tmp_path / 'out'
    out.mkdir(exist_ok=True)
    result = subprocess.run(
        [os.path.join(BIN, 'cloudkitty-writer'), '--config-file',
         str(config), '--output', str(out), *args],
        capture_output=True, text=True, timeout=120)
    return result, out


def _sum(path, fmt):
    with open(path, encoding='utf-8', newline='') as handle:
        if fmt == 'jsonl':
            rows = [json.loads(line) for line in handle]
            return sum((D(r['price']) for r in rows), D(0)), len(rows)
        rows = list(csv.DictReader(handle))
    column = 'BilledCost' if fmt == 'focus' else 'price'
    return sum((D(r[column]) for r in rows), D(0)), len(rows)


@pytest.mark.parametrize('fmt', ['csv', 'jsonl', 'focus'])
def test_export_totals_match_report(db, conf, admin_context, tmp_path, fmt):
    backend = storage.get_storage(conf)
    seed.appendix_a(backend, admin_context)
    # an odd price, to see decimals survive exactly
    url = db.url.render_as_string(hide_password=False)
    result, out = _writer(tmp_path, url, '--format', fmt, '--begin', BEGIN,
                          '--end', END)
    assert result.returncode == 0, result.stderr
    files = sorted(os.listdir(out))
    assert len(files) == 2, files
    for tenant in (seed.TENANT_A, seed.TENANT_B):
        [name] = [f for f in files if tenant in f]
        total, rows = _sum(out / name, fmt)
        assert total == backend.total(admin_context, BEGIN, END,
                                      scope_ids=[tenant])
        assert rows == backend.count_dataframes(admin_context, BEGIN, END,
                                                scope_ids=[tenant])
        assert '%s: %d rows' % (out / name, rows) in result.stdout
    assert total == D('2.916') * 28


def test_export_one_scope_with_metadata_column(db, conf, admin_context,
                                               tmp_path):
    backend = storage.get_storage(conf)
    seed.appendix_a(backend, admin_context)
    url = db.url.render_as_string(hide_password=False)
    result, out = _writer(tmp_path, url, '--begin', BEGIN, '--end', END,
                          '--scope', seed.TENANT_B,
                          '--columns', 'scope_id,type,price,meta:fake_meta')
    assert result.returncode == 0, result.stderr
    [name] = os.listdir(out)
    with open(out / name, encoding='utf-8', newline='') as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ['scope_id', 'type', 'price', 'meta:fake_meta']
    assert rows[1] == [seed.TENANT_B, 'cpu', '1.337', '1.0']
    assert len(rows) == 1 + 28 * 4


@pytest.mark.parametrize('args,words', [
    (['--format', 'xml'], ["'xml'", 'csv, jsonl, focus']),
    (['--begin', 'soon'], ['--begin', 'soon']),
    (['--columns', 'price,cost'], ["'cost'"]),
    (['--begin', END, '--end', BEGIN], ['--end must be after --begin']),
])
def test_errors_are_one_line(tmp_path, args, words):
    url = 'sqlite:///%s' % (tmp_path / 'ck.sqlite')
    base = ['--begin', BEGIN, '--end', END]
    result, _out = _writer(tmp_path, url, *(base + args))
    assert result.returncode == 2, result.stderr
    assert result.stderr.count('\n') == 1, result.stderr
    for word in words:
        assert word in result.stderr


def test_missing_output_and_database_are_one_line(tmp_path):
    url = 'sqlite:///%s' % (tmp_path / 'ck.sqlite')
    config = tmp_path / 'cloudkitty.conf'
    config.write_text('[database]\nconnection = %s\n' % url)
    result = subprocess.run(
        [os.path.join(BIN, 'cloudkitty-writer'), '--config-file',
         str(config), '--begin', BEGIN, '--end', END],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.count('\n') == 1 and 'output' in result.stderr
    result, _out = _writer(tmp_path, url, '--begin', BEGIN, '--end', END)
    assert result.returncode == 2
    assert result.stderr.count('\n') == 1
    assert '[database] connection' in result.stderr
