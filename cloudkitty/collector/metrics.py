"""The metrics definition file (``[collect] metrics_conf``).

This module is the only reader of that YAML file. It offers two views:

* :func:`load_raw` - the parsed YAML as is (``GET /v1/info/config``);
* :func:`load` - validated :class:`MetricDef` objects, keyed by the name
  each definition is published under (its ``alt_name``, else the metric
  key), in file order.

Validation errors raise :class:`cloudkitty.exception.ConfigError` naming
``[collect] metrics_conf`` and the offending metric, so that a command stops
with one readable line instead of a traceback.

Quantities are converted exactly: ``factor`` and ``offset`` are kept as
:class:`fractions.Fraction` (``"1/1048576"`` is exact), and a collected
quantity becomes ``raw * factor + offset`` as a :class:`decimal.Decimal`,
then goes through the ``mutate`` step.
"""

import dataclasses
import decimal
import fractions
import os
import types

import voluptuous as vol
import yaml

from cloudkitty import exception

MUTATE_CHOICES = ('NONE', 'NUMBOOL', 'NOTNUMBOOL', 'FLOOR', 'CEIL', 'MAP')

_ONE = fractions.Fraction(1)
_ZERO = fractions.Fraction(0)


def _config_error(reason):
    return exception.ConfigError(group='collect', option='metrics_conf',
                                 reason=reason)


def parse_fraction(value):
    """Exact :class:`~fractions.Fraction` of an int, float, Decimal or a
    string holding a number or a ``"numerator/denominator"`` fraction.

    Floats go through their shortest ``repr`` (``0.1`` is one tenth).

    :raises ValueError: when ``value`` is not such a number.
    """
    if isinstance(value, bool) or value is None:
        raise ValueError('not a number: %r' % (value,))
    if isinstance(value, int | fractions.Fraction):
        return fractions.Fraction(value)
    if isinstance(value, float | decimal.Decimal):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError('not a number: %r' % (value,))
    parts = value.strip().split('/')
    if len(parts) > 2:
        raise ValueError('not a number or a fraction: %r' % (value,))
    try:
        numbers = [decimal.Decimal(part.strip()) for part in parts]
    except decimal.InvalidOperation:
        raise ValueError('not a number or a fraction: %r' % (value,))
    if not all(n.is_finite() for n in numbers):
        raise ValueError('not a finite number: %r' % (value,))
    result = fractions.Fraction(numbers[0])
    if len(numbers) == 2:
        if numbers[1] == 0:
            raise ValueError('division by zero in %r' % (value,))
        result /= fractions.Fraction(numbers[1])
    return result


def _fraction(value):
    try:
        return parse_fraction(value)
    except ValueError as err:
        raise vol.Invalid(str(err))


def _mutate_map(value):
    if not isinstance(value, dict) or not value:
        raise vol.Invalid('mutate_map must be a non-empty mapping')
    result = {}
    for key, target in value.items():
        try:
            number = parse_fraction(key)
        except ValueError:
            raise vol.Invalid('mutate_map key %r is not a number' % (key,))
        try:
            result[number] = _to_decimal(parse_fraction(target))
        except ValueError:
            raise vol.Invalid('mutate_map value %r of key %r is not a number'
                              % (target, key))
    return types.MappingProxyType(result)


def _names(value):
    """A list of distinct non-empty attribute names, order kept."""
    if not isinstance(value, list):
        raise vol.Invalid('expected a list of attribute names')
    seen = []
    for name in value:
        if not isinstance(name, str) or not name:
            raise vol.Invalid('attribute names must be non-empty strings, '
                              'got %r' % (name,))
        if name not in seen:
            seen.append(name)
    return seen


_NON_EMPTY_STR = vol.All(str, vol.Length(min=1))

METRIC_SCHEMA = vol.Schema({
    vol.Required('unit'): _NON_EMPTY_STR,
    vol.Optional('alt_name'): _NON_EMPTY_STR,
    vol.Optional('description'): vol.Any(None, str),
    vol.Optional('factor', default=1): _fraction,
    vol.Optional('offset', default=0): _fraction,
    vol.Optional('groupby', default=list): _names,
    vol.Optional('metadata', default=list): _names,
    vol.Optional('mutate', default='NONE'): vol.All(
        str, vol.Upper, vol.In(MUTATE_CHOICES, msg='mutate must be one of '
                               + ', '.join(MUTATE_CHOICES))),
    vol.Optional('mutate_map'): _mutate_map,
    vol.Optional('skip_datapoints_expression'): vol.Any(None, str),
    vol.Optional('extra_args', default=dict): vol.Any(
        None, dict, msg='extra_args must be a mapping'),
})


def _to_decimal(value):
    """Decimal of a Fraction: exact when it terminates, else rounded to
    the context precision (28 significant digits)."""
    if value.denominator == 1:
        return decimal.Decimal(value.numerator)
    return decimal.Decimal(value.numerator) / decimal.Decimal(
        value.denominator)


@dataclasses.dataclass(frozen=True)
class MetricDef:
    """One validated metric definition.

    :ivar name: the metric key of the file (what the collector queries).
    :ivar published_name: ``alt_name`` or the key: the rated type name.
    :ivar groupby: attribute names, the scope key always included.
    :ivar factor: Fraction; :ivar offset: Fraction.
    :ivar mutate_map: mapping Fraction -> Decimal (``MAP`` only).
    """

    name: str
    unit: str
    alt_name: str | None = None
    description: str | None = None
    factor: fractions.Fraction = _ONE
    offset: fractions.Fraction = _ZERO
    groupby: tuple = ()
    metadata: tuple = ()
    mutate: str = 'NONE'
    mutate_map: types.MappingProxyType | None = None
    skip_datapoints_expression: str | None = None
    extra_args: types.MappingProxyType = dataclasses.field(
        default_factory=lambda: types.MappingProxyType({}))

    def __post_init__(self):
        # NOTE(ck): most metrics keep the raw quantity; remember it so
        # that convert() costs one test for them.
        object.__setattr__(self, '_identity', (
            self.factor == 1 and self.offset == 0 and self.mutate == 'NONE'))

    @property
    def published_name(self):
        return self.alt_name or self.name

    def with_extra_args(self, extra_args):
        """A copy holding ``extra_args`` (validated by a collector)."""
        return dataclasses.replace(
            self, extra_args=types.MappingProxyType(dict(extra_args)))

    def convert(self, raw):
        """``raw * factor + offset`` then ``mutate``, as a Decimal.

        :param raw: the collected quantity (Decimal or int).
        """
        if not isinstance(raw, decimal.Decimal):
            raw = decimal.Decimal(raw)
        if self._identity:
            return raw
        factor, offset = self.factor, self.offset
        if factor.denominator == 1 and offset.denominator == 1:
            # NOTE(ck): the common case stays in Decimal arithmetic
            # (exact); only true fractions need the Fraction detour.
            qty = raw
            if factor != 1:
                qty = qty * factor.numerator
            if offset:
                qty = qty + offset.numerator
        else:
            qty = _to_decimal(fractions.Fraction(raw) * factor + offset)
        return self._mutate(qty)

    def _mutate(self, qty):
        mutate = self.mutate
        if mutate == 'NONE':
            return qty
        if mutate == 'NUMBOOL':
            return decimal.Decimal(1 if qty != 0 else 0)
        if mutate == 'NOTNUMBOOL':
            return decimal.Decimal(1 if qty == 0 else 0)
        if mutate == 'FLOOR':
            return qty.to_integral_value(decimal.ROUND_FLOOR)
        if mutate == 'CEIL':
            return qty.to_integral_value(decimal.ROUND_CEILING)
        # MAP: unmapped values become 0 (upstream's default).
        return self.mutate_map.get(fractions.Fraction(qty),
                                   decimal.Decimal(0))


def _validate_one(key, definition, scope_key):
    label = 'metric %r' % (key,)
    if not isinstance(definition, dict):
        raise _config_error('%s: a definition must be a mapping, got %r'
                            % (label, definition))
    try:
        data = METRIC_SCHEMA(definition)
    except vol.MultipleInvalid as err:
        raise _config_error('%s: %s' % (label, _explain(err)))
    if data['mutate'] == 'MAP' and 'mutate_map' not in data:
        raise _config_error('%s: mutate MAP requires a mutate_map' % label)
    if data['mutate'] != 'MAP' and data.get('mutate_map') is not None:
        raise _config_error('%s: mutate_map is only allowed with mutate: MAP'
                            % label)
    groupby = list(data['groupby'])
    if scope_key not in groupby:
        groupby.append(scope_key)
    overlap = [name for name in data['metadata'] if name in groupby]
    if overlap:
        raise _config_error('%s: attributes in both groupby and metadata: %s'
                            % (label, ', '.join(overlap)))
    return MetricDef(
        name=key, unit=data['unit'], alt_name=data.get('alt_name'),
        description=data.get('description'), factor=data['factor'],
        offset=data['offset'], groupby=tuple(groupby),
        metadata=tuple(data['metadata']), mutate=data['mutate'],
        mutate_map=data.get('mutate_map'),
        skip_datapoints_expression=data.get('skip_datapoints_expression'),
        extra_args=types.MappingProxyType(dict(data['extra_args'] or {})))


def _explain(err):
    """One line out of a voluptuous error (every problem, sorted)."""
    return '; '.join(sorted(str(e) for e in err.errors))


def validate(document, scope_key='project_id'):
    """Validate a parsed metrics document.

    :param document: the YAML document (``{"metrics": {...}}``).
    :param scope_key: appended to every metric's groupby when missing.
    :returns: dict published name -> :class:`MetricDef`, in file order.
    :raises exception.ConfigError: naming the metric at fault.
    """
    if not isinstance(document, dict) or 'metrics' not in document:
        raise _config_error('the file must hold a "metrics" mapping')
    metrics = document['metrics']
    if not isinstance(metrics, dict) or not metrics:
        raise _config_error('"metrics" must be a non-empty mapping of '
                            'metric name to definition')
    result = {}
    for key, definitions in metrics.items():
        if not isinstance(key, str) or not key:
            raise _config_error('metric names must be non-empty strings, '
                                'got %r' % (key,))
        if isinstance(definitions, list):
            if not definitions:
                raise _config_error('metric %r: empty list of definitions'
                                    % (key,))
        else:
            definitions = [definitions]
        for definition in definitions:
            metric = _validate_one(key, definition, scope_key)
            other = result.get(metric.published_name)
            if other is not None:
                raise _config_error(
                    'metrics %r and %r are both published as %r (set '
                    'distinct alt_name values)' % (other.name, key,
                                                   metric.published_name))
            result[metric.published_name] = metric
    return result


def metrics_path(conf):
    """Absolute path of ``[collect] metrics_conf`` (relative paths are
    looked up in the configuration directories)."""
    path = conf.collect.metrics_conf
    if not os.path.isabs(path) and not os.path.exists(path):
        found = conf.find_file(path)
        if found:
            return found
    return path


def load_raw(conf):
    """The metrics file parsed as is (no validation, no defaults).

    An empty file gives ``{}``.

    :raises exception.ConfigError: unreadable file or invalid YAML.
    """
    path = metrics_path(conf)
    try:
        with open(path, encoding='utf-8') as handle:
            document = yaml.safe_load(handle)
    except OSError as err:
        raise _config_error('cannot read %s: %s' % (path, err.strerror))
    except yaml.YAMLError as err:
        raise _config_error('%s is not valid YAML: %s'
                            % (path, str(err).replace('\n', ' ')))
    return {} if document is None else document


def load(conf):
    """Validated metric definitions of ``[collect] metrics_conf``.

    :returns: dict published name -> :class:`MetricDef`, file order.
    :raises exception.ConfigError: unreadable or invalid file.
    """
    return validate(load_raw(conf), conf.collect.scope_key)


def check_extra_args(metrics, schema, collector_name):
    """Validate (and default) every metric's ``extra_args`` with a
    collector's voluptuous ``schema``.

    :returns: a new dict of :class:`MetricDef`.
    :raises exception.ConfigError: naming the metric and the collector.
    """
    validator = vol.Schema(schema)
    result = {}
    for published, metric in metrics.items():
        try:
            extra = validator(dict(metric.extra_args))
        except vol.MultipleInvalid as err:
            raise _config_error('metric %r: extra_args invalid for the %s '
                                'collector: %s' % (metric.name, collector_name,
                                                   _explain(err)))
        result[published] = metric.with_extra_args(extra)
    return result
