"""A live CloudKitty API for the real python-cloudkittyclient.

The server is the real WSGI application (:func:`setup_app`) served by
wsgiref in a thread, on 127.0.0.1 and an ephemeral port, over a real SQLite
database. The CLI (``cloudkitty`` shell of python-cloudkittyclient 6.2,
cliff) runs in-process with ``--os-auth-type cloudkitty-noauth`` against it;
:func:`cli` returns its parsed JSON output.
"""

import contextlib
import io
import json
import threading
from wsgiref import simple_server

import pytest

from cloudkitty.api import app as api_app
from cloudkitty import policy


class _QuietHandler(simple_server.WSGIRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(app):
    """Serve ``app`` on 127.0.0.1:<ephemeral>; yields the base URL."""
    server = simple_server.make_server('127.0.0.1', 0, app,
                                       handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield 'http://127.0.0.1:%d' % server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.fixture
def live_api(conf, sqlite_db, tmp_path):
    """URL of a noauth API on a fresh database."""
    conf.set_override('auth_strategy', 'noauth')
    metrics = tmp_path / 'metrics.yml'
    metrics.write_text(METRICS)
    conf.set_override('metrics_conf', str(metrics), group='collect')
    policy.reset()
    with serve(api_app.setup_app(conf)) as url:
        yield url
    policy.reset()


METRICS = """\
metrics:
  cpu:
    unit: instance
    alt_name: instance
    groupby: [id, project_id]
    metadata: [flavor_name, flavor_id, vcpus]
    mutate: NUMBOOL
    extra_args: {aggregation_method: mean, resource_type: instance}
  image.size:
    unit: MiB
    factor: 1/1048576
    groupby: [id, project_id]
    metadata: [container_format, disk_format]
    extra_args: {aggregation_method: mean, resource_type: image}
"""


class CLIError(Exception):
    pass


def run_cli(url, *args, version='1'):
    """Run ``cloudkitty <args> -f json`` in-process with the client's
    noauth plugin; returns parsed output (None when nothing is printed)."""
    return run_cli_args(['--os-auth-type', 'cloudkitty-noauth',
                         '--os-endpoint', url, '--os-rating-api-version',
                         version] + list(args))


def run_cli_args(argv):
    """Run ``cloudkitty <argv>`` in-process; parsed output."""
    from cloudkittyclient import shell
    args = argv
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = shell.main(argv)
        except SystemExit as exit_:
            code = exit_.code
    if code:
        raise CLIError('cloudkitty %s -> %s\n%s%s' % (
            ' '.join(args), code, out.getvalue(), err.getvalue()))
    text = out.getvalue().strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


@pytest.fixture
def cli(live_api):
    def _cli(*args, **kwargs):
        return run_cli(live_api, *args, **kwargs)
    return _cli
