#!/usr/bin/env python3
"""CloudKitty benchmarks (``tox -e bench`` runs ``python tools/bench.py``).

Usage::

    python tools/bench.py                 # every default benchmark
    python tools/bench.py rating --sizes medium,large
    python tools/bench.py frame-overhead
    python tools/bench.py --help          # all subcommands

Each area keeps its benchmarks in its own module of ``tools/benchmarks/``
(``rating.py``, ``storage.py``...), which defines ``register(subparsers)``
adding its subcommands and returning the names of those to run by default.
This dispatcher only discovers them, so areas never edit the same file.
"""

import argparse
import importlib
import os
import pkgutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import benchmarks  # noqa: E402


def build_parser():
    parser = argparse.ArgumentParser(
        prog='bench.py', description='CloudKitty benchmarks')
    subparsers = parser.add_subparsers(dest='command')
    defaults = []
    for info in sorted(pkgutil.iter_modules(benchmarks.__path__),
                       key=lambda info: info.name):
        module = importlib.import_module('benchmarks.' + info.name)
        register = getattr(module, 'register', None)
        if register is not None:
            defaults.extend(register(subparsers) or ())
    return parser, defaults


def main(argv=None):
    parser, defaults = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        status = 0
        for name in defaults:
            status = max(status, main([name]) or 0)
        return status
    return args.func(args) or 0


if __name__ == '__main__':
    sys.exit(main())
