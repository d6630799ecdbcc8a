"""What a pyscript may do: the language-level half of the sandbox.

A script is compiled by :func:`compile_script` after a static check of its
syntax tree, and runs with :func:`make_globals`: a global namespace that
holds only ``data`` and a reduced set of builtins. This is one layer of
defence; the other is the separate, resource-limited worker process that
runs scripts (:mod:`cloudkitty.rating.pyscripts.worker`).

Rules enforced here:

* imports: only the modules of :data:`ALLOWED_MODULES`, by absolute name,
  and each run receives module objects of its own holding their public
  names (no submodules, so ``json.codecs`` or ``datetime.sys`` do not
  exist);
* no name or attribute starting with an underscore (``__class__``,
  ``__globals__``, ``__builtins__``, ``__subclasses__``...), no attribute
  of frames, generators, coroutines, code objects or tracebacks
  (``gi_frame``, ``f_globals``...), no ``mro``;
* no ``eval``, ``exec``, ``compile``, ``open``, ``__import__``,
  ``globals``, ``locals``, ``vars``, ``dir``, ``input``, ``breakpoint``...
  in the builtins; ``getattr``/``hasattr``/``setattr``/``delattr`` apply
  the attribute rules at run time;
* ``str.format``/``format_map`` (which walk attributes named in the format
  string) are replaced by a formatter refusing the names above;
* a bare ``except:`` catches ``Exception`` only, so the time-limit signal
  (a ``BaseException``) cannot be swallowed that way; ``BaseException``
  is not exposed.

This module is imported by the worker process without the ``cloudkitty``
package (it must stay standard-library only).
"""

import _string
import ast
import builtins
import datetime
import decimal
import enum
import functools
import json
import math
import operator
import re
import string
import types
import weakref

#: Modules a script may import (a module object per run, holding their
#: public names).
ALLOWED_MODULES = ('datetime', 'decimal', 'json', 'math', 're')

_FORBIDDEN_ATTR_PREFIXES = ('_', 'gi_', 'cr_', 'ag_', 'f_', 'tb_', 'co_',
                            'func_', 'im_')
_FORBIDDEN_ATTRS = frozenset(('mro', 'format_field', 'get_field'))
_FORMAT_ATTRS = frozenset(('format', 'format_map'))

_SAFE_BUILTINS = (
    'abs', 'all', 'any', 'ascii', 'bin', 'bool', 'bytearray', 'bytes',
    'callable', 'chr', 'classmethod', 'complex', 'dict', 'divmod',
    'enumerate', 'filter', 'float', 'format', 'frozenset', 'hash', 'hex',
    'id', 'int', 'isinstance', 'issubclass', 'iter', 'len', 'list', 'map',
    'max', 'min', 'next', 'object', 'oct', 'ord', 'pow', 'print',
    'property', 'range', 'repr', 'reversed', 'round', 'set', 'slice',
    'sorted', 'staticmethod', 'str', 'sum', 'super', 'tuple', 'type', 'zip',
    'None', 'True', 'False', 'Ellipsis', 'NotImplemented',
    # exceptions a script may raise or catch
    'Exception', 'ArithmeticError', 'AssertionError', 'AttributeError',
    'IndexError', 'KeyError', 'LookupError', 'MemoryError',
    'NotImplementedError', 'OverflowError', 'RecursionError',
    'RuntimeError', 'StopIteration', 'TypeError', 'ValueError',
    'ZeroDivisionError',
)


class SandboxViolation(Exception):
    """The script uses something the sandbox forbids."""


def _check_attr_name(name):
    if (not isinstance(name, str) or name.startswith(_FORBIDDEN_ATTR_PREFIXES)
            or name in _FORBIDDEN_ATTRS):
        raise SandboxViolation('access to attribute %r is not allowed'
                               % (name,))


class _Validator(ast.NodeTransformer):
    """Check every node; rewrite ``x.format`` and bare ``except:``."""

    def __init__(self):
        self._class_depth = 0

    def _fail(self, node, what):
        raise SandboxViolation('line %s: %s' % (
            getattr(node, 'lineno', '?'), what))

    def visit_Import(self, node):
        for alias in node.names:
            if alias.name not in ALLOWED_MODULES:
                self._fail(node, 'import of %r is not allowed (allowed: %s)'
                           % (alias.name, ', '.join(ALLOWED_MODULES)))
            self._check_name(node, alias.asname or alias.name)
        return node

    def visit_ImportFrom(self, node):
        if node.level or node.module not in ALLOWED_MODULES:
            self._fail(node, 'import from %r is not allowed (allowed: %s)'
                       % ('.' * node.level + (node.module or ''),
                          ', '.join(ALLOWED_MODULES)))
        for alias in node.names:
            if alias.name == '*':
                self._fail(node, 'import * is not allowed')
            try:
                _check_attr_name(alias.name)
            except SandboxViolation as err:
                self._fail(node, str(err))
            self._check_name(node, alias.asname or alias.name)
        return node

    def _check_name(self, node, name):
        if name.startswith('__'):
            self._fail(node, 'name %r is not allowed' % (name,))

    def visit_Name(self, node):
        self._check_name(node, node.id)
        return node

    def visit_arg(self, node):
        self._check_name(node, node.arg)
        return self.generic_visit(node)

    def visit_keyword(self, node):
        if node.arg is not None:
            self._check_name(node, node.arg)
        return self.generic_visit(node)

    def visit_Global(self, node):
        for name in node.names:
            self._check_name(node, name)
        return node

    visit_Nonlocal = visit_Global

    def visit_FunctionDef(self, node):
        # NOTE(ck): special methods may be defined in a class body
        # (``__init__``...); they are never reachable by name.
        if not (self._class_depth and node.name.startswith('__')
                and node.name.endswith('__')):
            self._check_name(node, node.name)
        saved, self._class_depth = self._class_depth, 0
        try:
            return self.generic_visit(node)
        finally:
            self._class_depth = saved

    visit_Lambda = ast.NodeTransformer.generic_visit

    def visit_ClassDef(self, node):
        self._check_name(node, node.name)
        self._class_depth += 1
        try:
            return self.generic_visit(node)
        finally:
            self._class_depth -= 1

    def visit_AsyncFunctionDef(self, node):
        self._fail(node, 'async code is not allowed')

    visit_Await = visit_AsyncFor = visit_AsyncWith = visit_AsyncFunctionDef

    def visit_MatchAs(self, node):
        if node.name:
            self._check_name(node, node.name)
        return self.generic_visit(node)

    def visit_MatchClass(self, node):
        for name in node.kwd_attrs:
            try:
                _check_attr_name(name)
            except SandboxViolation as err:
                self._fail(node, str(err))
        return self.generic_visit(node)

    def visit_ExceptHandler(self, node):
        if node.name:
            self._check_name(node, node.name)
        if node.type is None:
            # NOTE(ck): a bare except would also catch the time-limit
            # signal; give it the meaning scripts expect.
            node.type = ast.copy_location(
                ast.Name(id='Exception', ctx=ast.Load()), node)
        return self.generic_visit(node)

    def visit_Attribute(self, node):
        try:
            _check_attr_name(node.attr)
        except SandboxViolation as err:
            self._fail(node, str(err))
        node = self.generic_visit(node)
        if node.attr in _FORMAT_ATTRS and isinstance(node.ctx, ast.Load):
            # x.format -> _ck_getattr(x, 'format'): a safe formatter for
            # strings, the real attribute otherwise.
            call = ast.Call(
                func=ast.Name(id='_ck_getattr', ctx=ast.Load()),
                args=[node.value, ast.Constant(node.attr)], keywords=[])
            return ast.copy_location(call, node)
        return node


def compile_script(source, filename='<pyscript>'):
    """Validate and compile ``source``.

    :raises SandboxViolation: with the offending line.
    :raises SyntaxError: for invalid Python.
    """
    tree = ast.parse(source, filename=filename, mode='exec')
    tree = _Validator().visit(tree)
    ast.fix_missing_locations(tree)
    return compile(tree, filename, 'exec', dont_inherit=True)


class _SafeFormatter(string.Formatter):
    def get_field(self, field_name, args, kwargs):
        first, rest = _string.formatter_field_name_split(field_name)
        obj = self.get_value(first, args, kwargs)
        for is_attr, key in rest:
            if is_attr:
                _check_attr_name(key)
                obj = getattr(obj, key)
            else:
                obj = obj[key]
        return obj, first


_FORMATTER = _SafeFormatter()


def _safe_format(template, *args, **kwargs):
    return _FORMATTER.vformat(str(template), args, kwargs)


def _safe_format_map(template, mapping):
    return _FORMATTER.vformat(str(template), (), mapping)


def _ck_getattr(obj, name, *default):
    """getattr() with the attribute rules, and safe str formatting."""
    _check_attr_name(name)
    if name in _FORMAT_ATTRS:
        if isinstance(obj, str):
            func = _safe_format if name == 'format' else _safe_format_map
            return lambda *a, **k: func(obj, *a, **k)
        if isinstance(obj, type) and issubclass(obj, str):
            return _safe_format if name == 'format' else _safe_format_map
    return getattr(obj, name, *default)


def _ck_hasattr(obj, name):
    _check_attr_name(name)
    return hasattr(obj, name)


def _ck_setattr(obj, name, value):
    _check_attr_name(name)
    setattr(obj, name, value)


def _ck_delattr(obj, name):
    _check_attr_name(name)
    delattr(obj, name)


def _public(module):
    names = getattr(module, '__all__', None) or [
        n for n in dir(module) if not n.startswith('_')]
    return {n: getattr(module, n) for n in names
            if not n.startswith('_') and hasattr(module, n)
            and not isinstance(getattr(module, n), types.ModuleType)}


_MODULE_NAMES = {name: _public(mod) for name, mod in (
    ('datetime', datetime), ('decimal', decimal), ('json', json),
    ('math', math), ('re', re))}

# NOTE(ck): C code (datetime.strptime, decimal's locale formatting) imports
# these through the builtins' __import__; scripts cannot (the static check
# refuses the names), so they get the real, already imported modules.
_INTERNAL_MODULES = ('_strptime', 'locale', 'time', 'calendar')


# module -> {attribute: factory of the run's own copy}: the mutable state
# an allowed module shares. The decimal template contexts are module
# globals (one script could change the arithmetic of others); json.dumps
# and loads use the real JSONEncoder/JSONDecoder (a script changing their
# attributes would change every later run, the worker's own encoding
# included), so scripts get subclasses of their own. They are made when a
# run first reads them (most runs never do: copying three contexts and
# making two classes on every import was most of what an import cost).
# Factories are C callables: no Python frame besides the module's
# ``__getattr__``.
_PER_RUN = {
    'decimal': {name: getattr(decimal, name).copy for name in (
        'DefaultContext', 'BasicContext', 'ExtendedContext')},
    'json': {name: functools.partial(type, name, (getattr(json, name),), {})
             for name in ('JSONEncoder', 'JSONDecoder')},
}


_SHARED_NAMES = {
    name: {n: v for n, v in attrs.items() if n not in _PER_RUN.get(name, ())}
    for name, attrs in _MODULE_NAMES.items()}

# NOTE(ck): what a run's module object starts with: copied into its empty
# dict in one step (a dict merged into an empty one is cloned whole).
_MODULE_DICTS = {name: {'__name__': name, **names}
                 for name, names in _SHARED_NAMES.items()}

#: Key of a run's globals under which :func:`make_globals` keeps the
#: modules the run imported (``{name: module}``). Scripts cannot name it
#: (names starting with ``__`` are refused).
MODULES = '__ck_modules__'


def _on_demand(module_ref, attr):
    """The ``__getattr__`` (PEP 562) of a run's module (bound to a weak
    reference to it: no cycle to collect): makes the run's own copy of a
    per-run attribute when first read, and keeps it in the module."""
    module = module_ref()
    factory = (None if module is None
               else _PER_RUN.get(module.__name__, {}).get(attr))
    if factory is None:
        raise AttributeError('module %r has no attribute %r'
                             % (getattr(module, '__name__', '?'), attr))
    value = factory()
    setattr(module, attr, value)
    return value


_new_module = functools.partial(types.ModuleType.__new__, types.ModuleType)


def _module(name):
    """What a script gets for an allowed module: a module object of the
    run's own holding the module's public names (no submodules), its
    per-run state (``_PER_RUN``) made on first use. A module object, not
    an instance of a class of ours: its type is immutable, where a class
    of ours would be reachable through ``type()`` and could be changed for
    later runs."""
    module = _new_module()
    attrs = vars(module)
    attrs.update(_MODULE_DICTS[name])
    if name in _PER_RUN:
        attrs['__getattr__'] = functools.partial(_on_demand,
                                                 weakref.ref(module))
    return module


def _import(name, globals=None, locals=None, fromlist=(), level=0):
    """``__import__`` of the scripts: one module object per allowed module
    and run, kept in the run's globals (:data:`MODULES`), which the
    interpreter passes to ``__import__``."""
    if level == 0 and name in ALLOWED_MODULES:
        modules = globals.get(MODULES) if type(globals) is dict else None
        if modules is None:
            return _module(name)
        module = modules.get(name)
        if module is None:
            module = modules[name] = _module(name)
        return module
    if level == 0 and name in _INTERNAL_MODULES:
        import importlib
        return importlib.import_module(name)
    raise ImportError('import of %r is not allowed (allowed: %s)'
                      % (name, ', '.join(ALLOWED_MODULES)))


# NOTE(ck): one builtins dict for every run: no script can reach it (no
# ``__builtins__`` name, no ``globals()``, no frame or function
# attributes), so nothing a run does can change it for the next one.
_BUILTINS = {name: getattr(builtins, name) for name in _SAFE_BUILTINS}
_BUILTINS.update({
    '__build_class__': builtins.__build_class__,
    '__import__': _import,
    '_ck_getattr': _ck_getattr,
    'getattr': _ck_getattr,
    'hasattr': _ck_hasattr,
    'setattr': _ck_setattr,
    'delattr': _ck_delattr,
})


def make_globals(data):
    """A fresh global namespace for one run of one script."""
    return {'data': data, '__builtins__': _BUILTINS,
            '__name__': '__pyscript__', MODULES: {}}


_CONTEXT = decimal.Context(
    prec=28, rounding=decimal.ROUND_HALF_EVEN, Emin=-999999, Emax=999999,
    capitals=1, clamp=0, flags=[],
    traps=[decimal.InvalidOperation, decimal.DivisionByZero,
           decimal.Overflow])


def fresh_context():
    """The decimal context every run starts with (Python's defaults): a
    copy of a template no script can reach."""
    return _CONTEXT.copy()


class _Watched:
    """Shared objects checked together: their attribute dicts, the total
    size of those, and the public class attributes that could be
    replaced (with their values)."""

    __slots__ = ('objects', 'dicts', 'size', 'public_dicts', 'public_names',
                 'public_values')

    def __init__(self, objects):
        self.objects = objects
        self.dicts = [vars(obj) for obj in objects]
        # NOTE(ck): one total suffices: a run can only add attributes or
        # delete public ones (names starting with "_" are refused), and
        # deleting one is seen by the identity check of the public ones
        self.size = sum(map(len, self.dicts))
        # public class attributes a script could replace (enum members
        # cannot be: their metaclass refuses)
        public = [(d, name) for obj, d in zip(objects, self.dicts,
                                              strict=True)
                  if isinstance(obj, type)
                  and not isinstance(obj, enum.EnumType)
                  for name in d if not name.startswith('_')]
        self.public_dicts = [d for d, _ in public]
        self.public_names = [name for _, name in public]
        self.public_values = [d[name] for d, name in public]

    def changed(self):
        return (sum(map(len, self.dicts)) != self.size
                or not all(map(operator.is_, list(map(
                    types.MappingProxyType.get, self.public_dicts,
                    self.public_names)), self.public_values)))


class SharedObjects:
    """The objects runs reach (functions and classes of the allowed
    modules, the sandbox's builtins) whose attributes a script can set:
    ``re.compile.memo = {}``, ``decimal.DecimalTuple.sign = property(...)``
    or ``re.IGNORECASE.x = 1`` would otherwise carry data, or change
    behaviour, from one run to the next. :meth:`restore` after each run
    puts them back as they were.

    The check is a few C loops (attribute counts, and the identity of the
    public attributes of classes that can be replaced) over the objects
    the run could reach: the builtins' and decimal's (a run reaches
    decimal's classes through the Decimals of ``data``: ``as_tuple()``,
    the exceptions of arithmetic), and those of the other modules the run
    imported (nothing else leads to them). The repair, only when something
    changed, removes added attributes and puts replaced ones back, on
    every shared object.
    """

    #: always checked (besides the builtins): reachable without an import
    REACHABLE = ('decimal',)

    def __init__(self):
        seen = set()
        # group key -> objects; None: checked after every run
        groups = {}
        sources = [(None, {n: v for n, v in _BUILTINS.items()
                           if not n.startswith('__')})]
        sources += [(None if name in self.REACHABLE else name, names)
                    for name, names in _SHARED_NAMES.items()]
        for key, names in sources:
            for value in names.values():
                if id(value) not in seen and self._settable(value):
                    seen.add(id(value))
                    groups.setdefault(key, []).append(value)
        self.always = _Watched(groups.pop(None, []))
        self.modules = {name: _Watched(objects)
                        for name, objects in groups.items()}
        self.objects = [*self.always.objects, *(
            obj for group in self.modules.values() for obj in group.objects)]
        self.snapshots = [dict(vars(obj)) for obj in self.objects]

    @staticmethod
    def _settable(value):
        try:
            value.ck_probe = None
        except (AttributeError, TypeError):
            return False
        delattr(value, 'ck_probe')
        return True

    def changed(self, imported=None):
        """True when a run changed an attribute of a shared object.

        :param imported: names of the modules the run imported (what
            :func:`make_globals` keeps under :data:`MODULES`); None: check
            the objects of every module.
        """
        if self.always.changed():
            return True
        modules = self.modules
        if imported is None:
            imported = modules
        for name in imported:
            group = modules.get(name)
            if group is not None and group.changed():
                return True
        return False

    def restore(self, imported=None):
        """Undo what a run did to the shared objects; True if anything
        (``imported``: see :meth:`changed`)."""
        if not self.changed(imported):
            return False
        for obj, before in zip(self.objects, self.snapshots, strict=True):
            current = vars(obj)
            for name in [n for n in current if n not in before]:
                delattr(obj, name)
            for name, value in before.items():
                if current.get(name, _ABSENT) is not value:
                    setattr(obj, name, value)
        return True


_ABSENT = object()


def preload():
    """Import what C code may import lazily (before limits close files)."""
    import importlib
    for name in _INTERNAL_MODULES:
        importlib.import_module(name)
    datetime.datetime.strptime('2000', '%Y')
    format(decimal.Decimal('1.5'), 'n')
