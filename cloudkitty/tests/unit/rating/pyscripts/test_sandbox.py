"""The language-level sandbox: what the static check and the restricted
namespace refuse, and what they let through."""

import decimal
import os

import pytest

from cloudkitty.rating.pyscripts import sandbox
from cloudkitty.tests import bench_rules


def run(source, data=None):
    code = sandbox.compile_script(source)
    namespace = sandbox.make_globals({} if data is None else data)
    exec(code, namespace)
    return namespace['data']


STATIC_ESCAPES = {
    'import_os': 'import os',
    'import_sys_as': 'import sys as decimal',
    'from_os': 'from os import path',
    'import_submodule': 'import json.decoder',
    'relative_import': 'from . import worker',
    'import_star': 'from math import *',
    'from_private': 'from json import _default_encoder',
    'dunder_import_name': '__import__("os")',
    'builtins_name': '__builtins__["open"]',
    'class_attr': 'x = ().__class__',
    'subclasses': 'x = object.__subclasses__()',
    'globals_attr': 'def f(): pass\nx = f.__globals__',
    'mro_attr': 'x = int.__mro__',
    'mro_method': 'x = int.mro()',
    'frame_walk': 'def g():\n    yield 1\nx = g().gi_frame.f_globals',
    'code_attr': 'def f(): pass\nx = f.co_consts',
    'traceback_walk': ('try:\n    1 / 0\nexcept Exception as e:\n'
                       '    x = e.__traceback__.tb_frame'),
    'private_attr': 'x = data._private',
    'fstring_dunder': 'x = f"{data.__class__}"',
    'async_def': 'async def f():\n    pass',
    'dunder_function_at_module': 'def __getattr__(name):\n    pass',
    'dunder_keyword': 'dict(__class__=1)',
    'dunder_assign': '__name__ = "x"',
}


@pytest.mark.parametrize('source', STATIC_ESCAPES.values(),
                         ids=STATIC_ESCAPES.keys())
def test_static_check_refuses(source):
    with pytest.raises(sandbox.SandboxViolation):
        sandbox.compile_script(source)


RUNTIME_ESCAPES = {
    'open': ('open("/etc/passwd")', NameError),
    'eval': ('eval("1")', NameError),
    'exec': ('exec("x = 1")', NameError),
    'compile': ('compile("1", "f", "eval")', NameError),
    'globals': ('globals()', NameError),
    'locals': ('locals()', NameError),
    'vars': ('vars()', NameError),
    'dir': ('dir()', NameError),
    'input': ('input()', NameError),
    'breakpoint': ('breakpoint()', NameError),
    'base_exception': ('x = BaseException', NameError),
    'getattr_dunder': ('getattr(data, "__class__")',
                       sandbox.SandboxViolation),
    'getattr_frame': ('def g():\n    yield 1\ngetattr(g(), "gi_frame")',
                      sandbox.SandboxViolation),
    'setattr_dunder': ('class A:\n    pass\nsetattr(A, "__init__", 1)',
                       sandbox.SandboxViolation),
    'hasattr_dunder': ('hasattr(data, "__class__")',
                       sandbox.SandboxViolation),
    'format_attr': ('"{0.__class__}".format(data)',
                    sandbox.SandboxViolation),
    'format_globals': ('def f(): pass\n"{0.__globals__}".format(f)',
                       sandbox.SandboxViolation),
    'format_unbound': ('str.format("{0.__class__}", data)',
                       sandbox.SandboxViolation),
    'format_map': ('"{x.__class__}".format_map({"x": data})',
                   sandbox.SandboxViolation),
    'format_via_getattr': ('getattr("{0.__class__}", "format")(data)',
                           sandbox.SandboxViolation),
    'format_bound_later': ('f = "{0.__class__}".format\nf(data)',
                           sandbox.SandboxViolation),
    'format_str_subclass': ('class S(str):\n    pass\n'
                            'S("{0.__class__}").format(data)',
                            sandbox.SandboxViolation),
    'format_gi_frame': ('def g():\n    yield 1\n"{0.gi_frame}".format(g())',
                        sandbox.SandboxViolation),
}


@pytest.mark.parametrize('source,error', RUNTIME_ESCAPES.values(),
                         ids=RUNTIME_ESCAPES.keys())
def test_runtime_refuses(source, error):
    with pytest.raises(error):
        run(source)


def test_no_submodules_through_allowed_modules():
    # json imports codecs, datetime imports time...: not reachable.
    with pytest.raises(AttributeError):
        run('import json\nx = json.codecs')
    with pytest.raises(AttributeError):
        run('import re\nx = re.enum')


def test_bare_except_does_not_catch_base_exceptions():
    code = sandbox.compile_script(
        'try:\n    raise_it()\nexcept:\n    data = "caught"\n')

    class Stop(BaseException):
        pass

    def raise_it():
        raise Stop()

    namespace = sandbox.make_globals({})
    namespace['raise_it'] = raise_it
    with pytest.raises(Stop):
        exec(code, namespace)


def test_allowed_features_work():
    source = '''
import decimal
import math
import json
import re
from datetime import timedelta
from decimal import Decimal

PRICES = {"m1.small": Decimal("0.5")}


class Tier:
    def __init__(self, level):
        self.level = level

    def __repr__(self):
        return "Tier(%s)" % self.level


def price(qty, flavor):
    return PRICES.get(flavor, Decimal(0)) * qty


total = sum(price(Decimal(q), "m1.small") for q in ("1", "2"))
data["total"] = total
data["sqrt"] = math.sqrt(16)
data["json"] = json.dumps({"a": 1})
data["re"] = re.sub(r"\\d", "#", "a1b2")
data["fmt"] = "{0:.2f} {name}".format(total, name="x")
data["fmt_item"] = "{0[a]}".format({"a": 5})
data["fmt_map"] = "{a}".format_map({"a": 6})
data["pct"] = "%s-%d" % ("a", 3)
data["tier"] = repr(Tier(3))
data["attr"] = getattr(total, "is_finite")()
data["delta"] = timedelta(hours=1).total_seconds()
data["ctx"] = decimal.getcontext().prec
'''
    data = run(source, {})
    assert data['total'] == decimal.Decimal('1.5')
    assert data['sqrt'] == 4.0
    assert data['json'] == '{"a": 1}'
    assert data['re'] == 'a#b#'
    assert data['fmt'] == '1.50 x'
    assert data['fmt_item'] == '5'
    assert data['fmt_map'] == '6'
    assert data['pct'] == 'a-3'
    assert data['tier'] == 'Tier(3)'
    assert data['attr'] is True
    assert data['delta'] == 3600.0


def test_module_proxies_are_per_run():
    # One run changing the shared decimal template contexts or the json
    # classes must not change the next run.
    run('import decimal\ndecimal.DefaultContext.prec = 3\n'
        'import json\njson.JSONEncoder.item_separator = ";"\n'
        'json.x = 1')
    data = run('import decimal\nimport json\n'
               'data["prec"] = decimal.DefaultContext.prec\n'
               'data["sep"] = json.JSONEncoder.item_separator\n'
               'data["has_x"] = hasattr(json, "x")')
    assert data == {'prec': 28, 'sep': ', ', 'has_x': False}
    assert decimal.DefaultContext.prec == 28


def test_bench_script_compiles_and_runs():
    with open(os.path.join(bench_rules.require_bench_dir(),
                           'rules.pyscript.py')) as f:
        source = f.read()
    point = {'vol': {'unit': 'MB', 'qty': decimal.Decimal('1500')},
             'rating': {'price': decimal.Decimal('1')},
             'groupby': {}, 'metadata': {}}
    data = run(source, {'usage': {'network.outgoing.bytes': [point]}})
    assert data['usage']['network.outgoing.bytes'][0]['rating'][
        'price'] == decimal.Decimal('1.01500')


def test_per_run_state_made_on_first_use_is_per_run():
    # The template contexts and json classes are made when a run first
    # reads them, however it reads them, and are still its own.
    data = run('from decimal import BasicContext, ExtendedContext\n'
               'import decimal\n'
               'BasicContext.prec = 2\n'
               'data["same"] = decimal.BasicContext is BasicContext\n'
               'data["ext"] = ExtendedContext.prec\n'
               'data["other"] = getattr(decimal, "DefaultContext").prec\n'
               'from json import JSONDecoder\n'
               'data["dec"] = JSONDecoder().decode("[1]")\n')
    assert data == {'same': True, 'ext': 9, 'other': 28, 'dec': [1]}
    again = run('import decimal\ndata["basic"] = decimal.BasicContext.prec')
    assert again == {'basic': 9}
    assert decimal.BasicContext.prec == 9


def test_module_objects_cannot_change_later_runs():
    # What a script gets for a module is a module object of its own run:
    # its type is immutable, and names set on it are gone for the next run.
    with pytest.raises(TypeError):
        run('import math\ntype(math).pi = 3')
    run('import math\nmath.pi = 3\nmath.extra = 1')
    data = run('import math\ndata["pi"] = str(math.pi)[:4]\n'
               'data["extra"] = hasattr(math, "extra")')
    assert data == {'pi': '3.14', 'extra': False}
    with pytest.raises(AttributeError):
        run('import decimal\nx = decimal.no_such_name')


def test_imports_are_counted_per_run():
    namespace = sandbox.make_globals({})
    exec(sandbox.compile_script(
        'import re as r\nfrom json import dumps\n'
        'def f():\n    import math\n    return math\nf()\n'), namespace)
    assert sorted(namespace[sandbox.MODULES]) == ['json', 'math', 're']
    assert sandbox.make_globals({})[sandbox.MODULES] == {}


def test_shared_objects_checked_by_what_the_run_imported():
    import re
    shared = sandbox.SharedObjects()
    assert not shared.changed()
    re.compile.ck_trace = 1
    try:
        # a run that did not import re cannot have reached re.compile
        assert not shared.changed(())
        assert shared.changed(['re'])
        assert shared.changed()
        decimal.DecimalTuple.ck_trace = 1
        # decimal's classes are reachable without an import
        assert shared.changed(())
    finally:
        assert shared.restore()
    assert not hasattr(re.compile, 'ck_trace')
    assert not hasattr(decimal.DecimalTuple, 'ck_trace')
    assert not shared.changed()
