"""Run the gabbi YAML files of ``gabbits/`` in-process, one pytest item per
HTTP request.

gabbi's own pytest plugin (``gabbi.pytester``) inspects every collected
item of the session and breaks on other tests whose ids contain a colon, so
the YAML files are loaded with ``gabbi.driver.build_tests`` and run here:
each item runs one gabbi test case (gabbi runs the earlier cases of its
file first when they have not run yet), the fixtures of a file start with
its first item and stop after its last.

Every file runs on SQLite, PostgreSQL and MariaDB (``CK_GABBI_BACKENDS``
narrows the list, e.g. ``CK_GABBI_BACKENDS=sqlite``).

Tests of one file depend on each other: the root conftest makes xdist
distribute file by file (``--dist loadfile``), so they all run, in order,
on one worker.
"""

import os
import unittest

import pytest
from gabbi import driver

from cloudkitty.tests.functional.fixtures import gabbits as fixtures

TESTS_DIR = os.path.join(os.path.dirname(__file__), 'gabbits')


def _load():
    top = driver.build_tests(TESTS_DIR, unittest.TestLoader(),
                             intercept=fixtures.setup_app,
                             fixture_module=fixtures,
                             test_loader_name=__name__)
    return [suite for suite in top if getattr(suite, '_tests', None)]


# NOTE(ck): every file runs on each database server: decimals, datetimes
# and text comparisons differ between them. Suites are built once per
# backend because gabbi cases remember that they ran.
SUITES = []
for _backend in fixtures.BACKENDS:
    SUITES += [(_backend, suite) for suite in _load()]
CASES = [(s, c) for s, (_b, suite) in enumerate(SUITES)
         for c in range(len(suite._tests))]
_STARTED = {}


def _stop(index):
    SUITES[_STARTED.pop(index)][1].stop()


@pytest.fixture(scope='module', autouse=True)
def _stop_suites():
    yield
    for index in list(_STARTED):
        _stop(index)


def _outcome(result):
    for _case, reason in result.skipped:
        pytest.skip(reason)
    problems = result.errors + result.failures
    if problems:
        pytest.fail('\n'.join(text for _case, text in problems),
                    pytrace=False)


@pytest.mark.parametrize(
    'suite_index,case_index', CASES,
    ids=['%s-%s' % (SUITES[s][0], SUITES[s][1]._tests[c].__class__.__name__)
         for s, c in CASES])
def test_gabbi(suite_index, case_index):
    backend, suite = SUITES[suite_index]
    result = unittest.TestResult()
    if suite_index not in _STARTED:
        for other in list(_STARTED):
            _stop(other)
        fixtures.use_backend(backend)
        suite.start(result)
        _STARTED[suite_index] = suite_index
        _outcome(result)
    case = suite._tests[case_index]
    try:
        case(result)
    finally:
        if case_index == len(suite._tests) - 1:
            _stop(suite_index)
    _outcome(result)
