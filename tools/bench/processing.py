#!/usr/bin/env python3
"""Standalone entry of the processing benchmark.

Same as ``python tools/bench.py processing ...``; the code lives in
``tools/benchmarks/processing.py`` (the dispatcher's convention).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

from benchmarks import processing  # noqa: E402

if __name__ == '__main__':
    sys.exit(processing.main())
