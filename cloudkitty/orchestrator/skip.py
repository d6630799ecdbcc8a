"""Safe evaluation of ``skip_datapoints_expression`` (spec v1 §8.2).

Upstream ran the option through ``eval`` with full builtins: anybody able to
write the configuration or the metrics file could run any code in the
processor. OUR CHOICE: the expression is parsed with :mod:`ast` and only a
small expression language is accepted, checked once when the processor
starts:

* literals (numbers, strings, ``True``/``False``/``None``, lists, tuples,
  sets, dicts), the name ``datapoint``;
* subscripts (``datapoint["vol"]["qty"]``), slices;
* ``and``/``or``/``not``, comparisons (``== != < <= > >= in not in is
  is not``), arithmetic (``+ - * / // % **`` with small exponents), ``x if
  c else y``;
* calls of ``Decimal``, ``len``, ``str``, ``int``, ``abs``, ``min``,
  ``max``, ``bool`` and of the methods ``get``, ``keys``, ``values``,
  ``items``, ``startswith``, ``endswith``, ``lower``, ``upper``, ``strip``.

No attribute other than those methods, no lambda, comprehension, walrus or
import: nothing can reach a dunder. ``datapoint`` is the point's dict form
(``{"vol": {"unit", "qty"}, "rating": {"price"}, "groupby", "metadata"}``),
quantities and prices as :class:`decimal.Decimal`.
"""

import ast
import decimal

from cloudkitty import exception

_FUNCTIONS = {
    'Decimal': decimal.Decimal, 'len': len, 'str': str, 'int': int,
    'abs': abs, 'min': min, 'max': max, 'bool': bool,
}
_METHODS = frozenset(('get', 'keys', 'values', 'items', 'startswith',
                      'endswith', 'lower', 'upper', 'strip'))
_NODES = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not,
    ast.USub, ast.UAdd, ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Div,
    ast.FloorDiv, ast.Mod, ast.Pow, ast.Compare, ast.Eq, ast.NotEq, ast.Lt,
    ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot,
    ast.Constant, ast.Name, ast.Load, ast.Subscript, ast.Slice, ast.IfExp,
    ast.List, ast.Tuple, ast.Set, ast.Dict, ast.Call, ast.Attribute,
)
_MAX_EXPONENT = 64


class InvalidExpression(exception.Invalid):
    msg_fmt = 'Invalid skip_datapoints_expression %(expression)r: %(reason)s'


def _check(tree, text):
    def bad(reason):
        return InvalidExpression(expression=text, reason=reason)

    for node in ast.walk(tree):
        if not isinstance(node, _NODES):
            raise bad('%s is not allowed' % type(node).__name__)
        if isinstance(node, ast.Name) and node.id != 'datapoint' \
                and node.id not in _FUNCTIONS:
            raise bad('unknown name %s (only datapoint)' % node.id)
        if isinstance(node, ast.Attribute) and node.attr not in _METHODS:
            raise bad('attribute %s is not allowed' % node.attr)
        if isinstance(node, ast.Call):
            if node.keywords:
                raise bad('keyword arguments are not allowed')
            func = node.func
            if isinstance(func, ast.Name):
                if func.id not in _FUNCTIONS:
                    raise bad('%s() is not allowed' % func.id)
            elif not isinstance(func, ast.Attribute):
                raise bad('only named functions may be called')
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            if not (isinstance(node.right, ast.Constant)
                    and isinstance(node.right.value, int)
                    and abs(node.right.value) <= _MAX_EXPONENT):
                raise bad('exponents must be integer constants <= %d'
                          % _MAX_EXPONENT)


class SkipExpression:
    """A compiled, checked expression; call it with a point's dict.

    :raises InvalidExpression: at construction, when the text is not in
        the accepted language.
    """

    def __init__(self, text):
        self.text = text
        try:
            tree = ast.parse(str(text).strip(), mode='eval')
        except SyntaxError as err:
            raise InvalidExpression(expression=text, reason=err.msg)
        _check(tree, text)
        #: True when the expression is a constant false (the default
        #: ``False``): then no point is ever evaluated.
        self.never = (isinstance(tree.body, ast.Constant)
                      and not tree.body.value)
        self._code = compile(tree, '<skip_datapoints_expression>', 'eval')

    def __call__(self, point_dict):
        scope = dict(_FUNCTIONS)
        scope['datapoint'] = point_dict
        return bool(eval(self._code, {'__builtins__': {}}, scope))  # noqa: S307 - checked AST, no builtins

    def __repr__(self):
        return 'SkipExpression(%r)' % self.text


def filter_frame(frame, expressions, default):
    """Drop the points for which their metric's expression is true, then
    the metric types left empty.

    :param expressions: dict metric type -> SkipExpression (per metric).
    :param default: SkipExpression for the other types.
    :returns: ``(frame, skipped_count)``.
    :raises InvalidExpression: when an expression fails on a point (the
        period is then not stored, see the worker).
    """
    usage = {}
    skipped = 0
    changed = False
    for metric_type, points in frame.usage.items():
        expression = expressions.get(metric_type, default)
        if expression.never:
            kept = points
        else:
            kept = []
            for point in points:
                try:
                    drop = expression(point.as_dict())
                except Exception as err:  # noqa: B902 - reported, not fatal
                    raise InvalidExpression(
                        expression=expression.text,
                        reason='failed on a %s point: %s: %s'
                               % (metric_type, type(err).__name__, err))
                if not drop:
                    kept.append(point)
            skipped += len(points) - len(kept)
        if kept:
            usage[metric_type] = kept
        if len(kept) != len(points) or not kept:
            changed = True
    if not changed:
        return frame, 0
    return frame.with_usage(usage), skipped
