"""tools/quickstart.py refuses a taken API port instead of reporting a
server that is not its own as running."""

import os
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
