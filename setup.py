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


setuptools.setup(install_requires=_requirements())
