# Packaging metadata lives in setup.cfg. This file only adds the runtime
# dependencies, read from requirements.txt so that pip, tox and devstack all
# install the same lower-bounded set.
import pathlib

import setuptools

_HERE = pathlib.Path(__file__).parent


def _requirements():
    lines = (_HERE / 'requirements.txt').read_text().splitlines()
    return [ln.strip() for ln in lines
            if ln.strip() and not ln.lstrip().startswith('#')]


# NOTE(ck): the hashmap pricing loop in C is optional: without a compiler
# (or with CLOUDKITTY_PURE_PYTHON=1 at run time) the Python loop of
# cloudkitty/rating/hashmap/index.py, which it mirrors, prices the points.
_PRICING = setuptools.Extension(
    'cloudkitty.rating.hashmap._pricing',
    ['cloudkitty/rating/hashmap/_pricing.c'], optional=True)

setuptools.setup(install_requires=_requirements(), ext_modules=[_PRICING])
