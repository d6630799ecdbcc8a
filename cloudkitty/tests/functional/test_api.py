"""Run the gabbi YAML files of ``gabbits/`` in-process, one pytest item per
HTTP request.

Tests of one YAML file depend on each other and share fixtures: the root
conftest makes xdist distribute file by file (``--dist loadfile``), so they
all run, in order, on one worker. Every item also carries an
``xdist_group`` mark naming its YAML file, for ``--dist loadgroup`` once
pytest-xdist honours it again under pytest 9.
"""

import os

import pytest
from gabbi import driver
from gabbi.driver import test_pytest  # noqa: F401 - collected by pytest

from cloudkitty.tests.functional.fixtures import gabbits as fixtures

TESTS_DIR = os.path.join(os.path.dirname(__file__), 'gabbits')


class _GroupedMetafunc:
    """A metafunc whose parametrize() marks each item with its YAML file.

    gabbi calls ``metafunc.parametrize`` itself; this is the narrowest place
    to attach a mark to every generated item.
    """

    def __init__(self, metafunc):
        self._metafunc = metafunc
        self.function = metafunc.function
        self.config = metafunc.config

    def parametrize(self, argnames, argvalues, ids):
        params = []
        for values, test_id in zip(argvalues, ids, strict=True):
            # ids: "[start_|stop_]<module>:<file>_<test name>"
            suite = test_id.split(':', 1)[1].split('_', 1)[0]
            params.append(pytest.param(
                *values, id=test_id,
                marks=pytest.mark.xdist_group(name='gabbi-' + suite)))
        self._metafunc.parametrize(argnames, params)


def pytest_generate_tests(metafunc):
    driver.py_test_generator(
        TESTS_DIR, intercept=fixtures.setup_app,
        fixture_module=fixtures, test_loader_name=__name__,
        metafunc=_GroupedMetafunc(metafunc))
