"""tools/quickstart.py refuses a taken API port instead of reporting a
server that is not its own as running."""

import os
import signal
import socket
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))


def test_taken_port_is_a_clear_error(tmp_path):
    with socket.socket() as taken:
        taken.bind(('127.0.0.1', 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, os.path.join(ROOT, 'tools', 'quickstart.py'),
             '--dir', str(tmp_path / 'qs'), '--port', str(port),
             '--no-serve'],
            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert 'cannot serve on 127.0.0.1:%d' % port in result.stderr
    assert 'CloudKitty is running' not in result.stdout
    # Nothing was created: the check runs before any work.
    assert not (tmp_path / 'qs').exists()


def _free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def _listening(port):
    with socket.socket() as client:
        return client.connect_ex(('127.0.0.1', port)) == 0


def test_sigterm_stops_the_api_with_the_quick_start(tmp_path):
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, os.path.join(ROOT, 'tools', 'quickstart.py'),
         '--dir', str(tmp_path / 'qs'), '--port', str(port), '--days', '1'],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        for line in proc.stdout:
            if line.startswith('CloudKitty is running'):
                break
        else:
            raise AssertionError('the quick start ended early: %s'
                                 % proc.wait(10))
        assert _listening(port)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        # the API process went with it: nobody serves the port any more
        assert not _listening(port)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
