#!/usr/bin/env python3
"""Standalone entry of the storage benchmark.

Same as ``python tools/bench.py storage ...``; the code lives in
``tools/benchmarks/storage.py`` (the dispatcher's convention).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

from benchmarks import storage  # noqa: E402

if __name__ == '__main__':
    sys.exit(storage.main())
