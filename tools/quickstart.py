"""Quick start driver: configure, migrate and serve the embedded default.

Run through ``tools/quickstart.sh`` (which installs the project first).
"""

import argparse
import os
import subprocess
import sys

CONFIG = """[DEFAULT]
auth_strategy = noauth
log_file = {dir}/cloudkitty.log

[database]
connection = sqlite:///{dir}/cloudkitty.sqlite

[api]
host_ip = {host}
port = {port}

[orchestrator]
coordination_url = file://{dir}/locks
"""


def _bin(name):
    return os.path.join(os.path.dirname(sys.executable), name)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--dir', default='.quickstart')
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=8889)
    args = parser.parse_args()
    qs_dir = os.path.abspath(args.dir)
    os.makedirs(qs_dir, exist_ok=True)
    config = os.path.join(qs_dir, 'cloudkitty.conf')
    with open(config, 'w') as f:
        f.write(CONFIG.format(dir=qs_dir, host=args.host, port=args.port))
    subprocess.run([_bin('cloudkitty-dbsync'), '--config-file', config,
                    'upgrade'], check=True)
    print('CloudKitty API on http://%s:%d (noauth, SQLite in %s). '
          'Ctrl-C stops it.' % (args.host, args.port, qs_dir), flush=True)
    print('Try: curl http://%s:%d/' % (args.host, args.port), flush=True)
    api = subprocess.Popen([_bin('cloudkitty-api'), '--config-file', config])
    try:
        return api.wait()
    except KeyboardInterrupt:
        api.terminate()
        api.wait(timeout=10)
        return 0


if __name__ == '__main__':
    sys.exit(main())
