"""The metrics file: schema, defaults, exact conversion, errors."""

import decimal
import fractions

import pytest
import yaml

from cloudkitty.collector import metrics
from cloudkitty import exception

D = decimal.Decimal


def _one(definition, key='m', scope_key='project_id'):
    return metrics.validate({'metrics': {key: definition}}, scope_key)


def _error(document):
    with pytest.raises(exception.ConfigError) as err:
        metrics.validate(document)
    message = str(err.value)
    assert message.startswith(
        'Invalid configuration: [collect] metrics_conf: '), message
    return message


def test_defaults_and_scope_key_appended():
    result = _one({'unit': 'instance'}, key='cpu')
    metric = result['cpu']
    assert metric.name == 'cpu'
    assert metric.published_name == 'cpu'
    assert metric.unit == 'instance'
    assert metric.groupby == ('project_id',)
    assert metric.metadata == ()
    assert metric.factor == 1 and metric.offset == 0
    assert metric.mutate == 'NONE'
    assert metric.mutate_map is None
    assert dict(metric.extra_args) == {}
    assert metric.description is None


def test_scope_key_from_configuration_not_duplicated():
    metric = _one({'unit': 'u', 'groupby': ['id', 'tenant']},
                  scope_key='tenant')['m']
    assert metric.groupby == ('id', 'tenant')
    metric = _one({'unit': 'u', 'groupby': ['id']}, scope_key='domain')['m']
    assert metric.groupby == ('id', 'domain')


def test_keyed_by_published_name_in_file_order():
    result = metrics.validate({'metrics': {
        'volume.size': {'unit': 'GiB'},
        'cpu': {'unit': 'instance', 'alt_name': 'instance'},
        'image.size': {'unit': 'MiB'}}})
    assert list(result) == ['volume.size', 'instance', 'image.size']
    assert result['instance'].name == 'cpu'


def test_list_of_definitions_under_one_key():
    result = metrics.validate({'metrics': {'cpu': [
        {'unit': 'instance', 'alt_name': 'instance'},
        {'unit': 'vcpu', 'alt_name': 'vcpus', 'groupby': ['id']}]}})
    assert sorted(result) == ['instance', 'vcpus']
    assert {m.name for m in result.values()} == {'cpu'}


@pytest.mark.parametrize('factor, expected', [
    (3, fractions.Fraction(3)),
    (0.5, fractions.Fraction(1, 2)),
    (0.1, fractions.Fraction(1, 10)),
    ('1/1048576', fractions.Fraction(1, 1048576)),
    ('2.5/10', fractions.Fraction(1, 4)),
    (' 7 ', fractions.Fraction(7)),
    ('1/3', fractions.Fraction(1, 3)),
])
def test_factor_forms_are_exact(factor, expected):
    assert _one({'unit': 'u', 'factor': factor})['m'].factor == expected


def test_fraction_factor_converts_exactly():
    metric = _one({'unit': 'MiB', 'factor': '1/1048576'})['m']
    assert metric.convert(D(13167616)) == D('12.5576171875')
    assert metric.convert(D(13167616)) * 1048576 == 13167616
    assert metric.convert(D(1048576)) == D(1)


def test_factor_and_offset():
    metric = _one({'unit': 'u', 'factor': 2, 'offset': '0.5'})['m']
    assert metric.convert(D('1.25')) == D('3.0')
    metric = _one({'unit': 'u', 'factor': 3, 'offset': -1})['m']
    assert metric.convert(D('0.1')) == D('-0.7')
    assert metric.convert(5) == D(14)


def test_non_terminating_fraction_rounds_to_context():
    metric = _one({'unit': 'u', 'factor': '1/3'})['m']
    assert metric.convert(D(1)) == D(1) / D(3)


@pytest.mark.parametrize('mutate, raw, expected', [
    ('NONE', '2.5', '2.5'),
    ('NUMBOOL', '2.5', '1'), ('NUMBOOL', '0', '0'), ('NUMBOOL', '-1', '1'),
    ('NOTNUMBOOL', '0', '1'), ('NOTNUMBOOL', '0.001', '0'),
    ('FLOOR', '2.7', '2'), ('FLOOR', '-2.2', '-3'),
    ('CEIL', '2.1', '3'), ('CEIL', '-2.7', '-2'),
    ('numbool', '3', '1'),
])
def test_mutate(mutate, raw, expected):
    metric = _one({'unit': 'u', 'mutate': mutate})['m']
    assert metric.convert(D(raw)) == D(expected)


def test_mutate_applies_after_factor():
    metric = _one({'unit': 'u', 'factor': '1/4', 'mutate': 'CEIL'})['m']
    assert metric.convert(D(5)) == D(2)


def test_mutate_map():
    metric = _one({'unit': 'state', 'mutate': 'MAP',
                   'mutate_map': {0: 0, 1: '0.5', '2': 1, 2.5: 3}})['m']
    assert metric.convert(D(1)) == D('0.5')
    assert metric.convert(D('1.0')) == D('0.5')
    assert metric.convert(D(2)) == D(1)
    assert metric.convert(D('2.5')) == D(3)
    # unmapped values become 0
    assert metric.convert(D(7)) == D(0)


def test_description_and_skip_expression_and_extra_args_kept():
    metric = _one({'unit': 'u', 'description': 'Instances',
                   'skip_datapoints_expression': 'datapoint["vol"]["qty"]'
                                                 ' == 0',
                   'extra_args': {'resource_type': 'instance'}})['m']
    assert metric.description == 'Instances'
    assert metric.skip_datapoints_expression.startswith('datapoint')
    assert dict(metric.extra_args) == {'resource_type': 'instance'}


def test_metadata_and_groupby_order_and_duplicates():
    metric = _one({'unit': 'u', 'groupby': ['id', 'user_id', 'id'],
                   'metadata': ['flavor', 'vcpus', 'flavor']})['m']
    assert metric.groupby == ('id', 'user_id', 'project_id')
    assert metric.metadata == ('flavor', 'vcpus')


@pytest.mark.parametrize('document, fragment', [
    ({}, 'the file must hold a "metrics" mapping'),
    ([], 'the file must hold a "metrics" mapping'),
    ({'metrics': {}}, '"metrics" must be a non-empty mapping'),
    ({'metrics': ['cpu']}, '"metrics" must be a non-empty mapping'),
    ({'metrics': {'cpu': 'instance'}},
     "metric 'cpu': a definition must be a mapping"),
    ({'metrics': {'cpu': []}}, "metric 'cpu': empty list of definitions"),
    ({'metrics': {'cpu': {}}},
     "metric 'cpu': required key not provided @ data['unit']"),
    ({'metrics': {'cpu': {'unit': ''}}},
     "metric 'cpu': length of value must be at least 1 for dictionary "
     "value @ data['unit']"),
    ({'metrics': {'cpu': {'unit': 3}}},
     "metric 'cpu': expected str for dictionary value @ data['unit']"),
    ({'metrics': {'cpu': {'unit': 'u', 'factor': 'abc'}}},
     "metric 'cpu': not a number or a fraction: 'abc' for dictionary "
     "value @ data['factor']"),
    ({'metrics': {'cpu': {'unit': 'u', 'factor': '1/0'}}},
     "metric 'cpu': division by zero in '1/0'"),
    ({'metrics': {'cpu': {'unit': 'u', 'factor': '1/2/3'}}},
     "metric 'cpu': not a number or a fraction: '1/2/3'"),
    ({'metrics': {'cpu': {'unit': 'u', 'offset': True}}},
     "metric 'cpu': not a number: True for dictionary value @ "
     "data['offset']"),
    ({'metrics': {'cpu': {'unit': 'u', 'factor': 'nan'}}},
     "metric 'cpu': not a finite number: 'nan'"),
    ({'metrics': {'cpu': {'unit': 'u', 'mutate': 'ROUND'}}},
     "metric 'cpu': mutate must be one of NONE, NUMBOOL, NOTNUMBOOL, "
     "FLOOR, CEIL, MAP"),
    ({'metrics': {'cpu': {'unit': 'u', 'mutate': 'MAP'}}},
     "metric 'cpu': mutate MAP requires a mutate_map"),
    ({'metrics': {'cpu': {'unit': 'u', 'mutate_map': {1: 2}}}},
     "metric 'cpu': mutate_map is only allowed with mutate: MAP"),
    ({'metrics': {'cpu': {'unit': 'u', 'mutate': 'MAP',
                          'mutate_map': {'up': 1}}}},
     "metric 'cpu': mutate_map key 'up' is not a number"),
    ({'metrics': {'cpu': {'unit': 'u', 'mutate': 'MAP',
                          'mutate_map': {1: 'x'}}}},
     "metric 'cpu': mutate_map value 'x' of key 1 is not a number"),
    ({'metrics': {'cpu': {'unit': 'u', 'mutate': 'MAP',
                          'mutate_map': {}}}},
     "metric 'cpu': mutate_map must be a non-empty mapping"),
    ({'metrics': {'cpu': {'unit': 'u', 'groupby': 'id'}}},
     "metric 'cpu': expected a list of attribute names"),
    ({'metrics': {'cpu': {'unit': 'u', 'metadata': ['a', '']}}},
     "metric 'cpu': attribute names must be non-empty strings, got ''"),
    ({'metrics': {'cpu': {'unit': 'u', 'groupby': ['id'],
                          'metadata': ['flavor', 'id']}}},
     "metric 'cpu': attributes in both groupby and metadata: id"),
    ({'metrics': {'cpu': {'unit': 'u', 'metadata': ['project_id']}}},
     "metric 'cpu': attributes in both groupby and metadata: project_id"),
    ({'metrics': {'cpu': {'unit': 'u', 'unknown': 1}}},
     "metric 'cpu': extra keys not allowed @ data['unknown']"),
    ({'metrics': {'cpu': {'unit': 'u', 'extra_args': [1]}}},
     "metric 'cpu': extra_args must be a mapping"),
    ({'metrics': {'cpu': {'unit': 'u', 'alt_name': 'x'},
                  'mem': {'unit': 'u', 'alt_name': 'x'}}},
     "metrics 'cpu' and 'mem' are both published as 'x'"),
    ({'metrics': {'cpu': {'unit': 'u', 'alt_name': 'mem'},
                  'mem': {'unit': 'u'}}},
     "metrics 'cpu' and 'mem' are both published as 'mem'"),
    ({'metrics': {'cpu': [{'unit': 'u'}, {'unit': 'v'}]}},
     "metrics 'cpu' and 'cpu' are both published as 'cpu'"),
    ({'metrics': {3: {'unit': 'u'}}},
     'metric names must be non-empty strings, got 3'),
])
def test_invalid_documents(document, fragment):
    assert fragment in _error(document)


def test_check_extra_args_defaults_and_errors():
    import voluptuous as vol
    schema = {vol.Required('resource_type'): str,
              vol.Optional('aggregation_method', default='max'): str}
    defs = metrics.validate({'metrics': {'cpu': {
        'unit': 'u', 'extra_args': {'resource_type': 'instance'}}}})
    checked = metrics.check_extra_args(defs, schema, 'gnocchi')
    assert dict(checked['cpu'].extra_args) == {
        'resource_type': 'instance', 'aggregation_method': 'max'}
    defs = metrics.validate({'metrics': {'cpu': {'unit': 'u'}}})
    with pytest.raises(exception.ConfigError) as err:
        metrics.check_extra_args(defs, schema, 'gnocchi')
    assert str(err.value) == (
        "Invalid configuration: [collect] metrics_conf: metric 'cpu': "
        "extra_args invalid for the gnocchi collector: required key not "
        "provided @ data['resource_type']")


def _write(tmp_path, conf, text):
    path = tmp_path / 'metrics.yml'
    path.write_text(text)
    conf.set_override('metrics_conf', str(path), group='collect')
    return path


def test_load_and_load_raw(tmp_path, conf):
    text = ('metrics:\n  cpu:\n    unit: instance\n    alt_name: instance\n'
            '    factor: 1/1048576\n')
    _write(tmp_path, conf, text)
    assert metrics.load_raw(conf) == yaml.safe_load(text)
    assert metrics.load_raw(conf)['metrics']['cpu']['factor'] == '1/1048576'
    loaded = metrics.load(conf)
    assert list(loaded) == ['instance']


def test_load_raw_of_empty_file(tmp_path, conf):
    _write(tmp_path, conf, '')
    assert metrics.load_raw(conf) == {}
    message = str(pytest.raises(exception.ConfigError, metrics.load,
                                conf).value)
    assert 'the file must hold a "metrics" mapping' in message


def test_unreadable_file(tmp_path, conf):
    missing = tmp_path / 'nope.yml'
    conf.set_override('metrics_conf', str(missing), group='collect')
    with pytest.raises(exception.ConfigError) as err:
        metrics.load_raw(conf)
    assert str(err.value) == (
        'Invalid configuration: [collect] metrics_conf: cannot read %s: '
        'No such file or directory' % missing)


def test_invalid_yaml(tmp_path, conf):
    path = _write(tmp_path, conf, 'metrics: [a\n')
    with pytest.raises(exception.ConfigError) as err:
        metrics.load(conf)
    assert str(err.value).startswith(
        'Invalid configuration: [collect] metrics_conf: %s is not valid '
        'YAML: ' % path)
    assert '\n' not in str(err.value)


def test_scope_key_from_conf(tmp_path, conf):
    _write(tmp_path, conf, 'metrics:\n  cpu: {unit: u}\n')
    conf.set_override('scope_key', 'domain_id', group='collect')
    assert metrics.load(conf)['cpu'].groupby == ('domain_id',)


@pytest.mark.parametrize('name', ['metrics.yml', 'metrics-file.yml',
                                  'metrics-prometheus.yml',
                                  'metrics-ceilometer.yml'])
def test_sample_files_are_valid(name, conf):
    import os
    root = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..')
    path = os.path.join(root, 'etc', 'cloudkitty', name)
    conf.set_override('metrics_conf', path, group='collect')
    loaded = metrics.load(conf)
    assert loaded
    for metric in loaded.values():
        assert 'project_id' in metric.groupby
