"""Query decoding of the Ceilometer v2 stand-in: ``q.*`` filters,
top-level parameters, timestamps, typed metadata values, error objects."""

import ast
import datetime
import urllib.parse

_PLAIN_FIELDS = {'user': 'user_id', 'user_id': 'user_id',
                 'project': 'project_id', 'project_id': 'project_id',
                 'resource': 'resource_id', 'resource_id': 'resource_id',
                 'source': 'source', 'message_id': 'message_id',
                 'meter': 'meter'}
_VALID_KEYS = ['message_id', 'meter', 'project', 'resource',
               'search_offset', 'source', 'timestamp', 'user']
_OPS = ('lt', 'le', 'eq', 'ne', 'ge', 'gt')
_GROUPBY = ('resource_id', 'project_id', 'user_id',
            'resource_metadata.instance_type')
_FUNCS = ('max', 'min', 'sum', 'avg', 'count', 'stddev', 'cardinality')
_TYPES = ['integer', 'float', 'string', 'boolean', 'datetime']
_NOT_FOUND_HTML = (
    '<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n'
    '  <h1>404 Not Found</h1>\n  The resource could not be found.<br />'
    '<br />\n\n\n\n </body>\n</html>')
_NOT_ALLOWED_HTML = (
    '<html>\n <head>\n  <title>405 Method Not Allowed</title>\n </head>\n'
    ' <body>\n  <h1>405 Method Not Allowed</h1>\n  The method is not '
    'allowed for this resource.<br /><br />\n\n\n\n </body>\n</html>')


class ApiError(Exception):
    def __init__(self, status, faultstring, faultcode='Client', body=None):
        super().__init__(faultstring)
        self.status = status
        self.faultstring = faultstring
        self.faultcode = faultcode
        self.body = body


def _bad(text):
    return ApiError(400, text)


def _parse_time(text):
    """Lenient ISO parsing; any offset is dropped, not applied."""
    value = text.strip()
    try:
        if value.endswith('Z'):
            value = value[:-1]
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise _bad('Invalid input for field/attribute timestamp. Value: '
                   "'%s'. invalid timestamp format" % text)
    return parsed.replace(tzinfo=None)


def _iso(value):
    return value.isoformat() if value is not None else None


def _flatten(metadata, prefix=''):
    flat = {}
    for key, value in (metadata or {}).items():
        name = prefix + str(key)
        if isinstance(value, dict):
            flat.update(_flatten(value, name + '.'))
        elif isinstance(value, list):
            flat[name] = str([str(v).encode() for v in value])
        else:
            flat[name] = str(value)
    return flat


def _lookup(metadata, dotted):
    node = metadata
    for part in dotted.split('.'):
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


_MISSING = object()


class _Query:
    def __init__(self, field, op, value, qtype):
        self.field, self.op, self.value, self.type = field, op, value, qtype

    def __repr__(self):
        qtype = 'Unset' if self.type is None else self.type
        return '<Query %r %s %r %s>' % (self.field, self.op, self.value,
                                        qtype)


def _convert_typed(value, qtype):
    if qtype is None or qtype == '':
        try:
            return ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return value
    if qtype not in _TYPES:
        raise _bad('The data type %s is not supported. The supported data '
                   'type list is: %s' % (qtype, _TYPES))
    try:
        if qtype == 'integer':
            return int(value)
        if qtype == 'float':
            return float(value)
        if qtype == 'boolean':
            if value.lower() not in ('true', 'false'):
                raise ValueError(value)
            return value.lower() == 'true'
        if qtype == 'datetime':
            return _parse_time(value)
        return value
    except (ValueError, ApiError):
        raise _bad('Unable to convert the value %s to the expected data '
                   'type %s.' % (value, qtype))


class _Filter:
    """Parsed ``q`` of one request."""

    def __init__(self, params, allow_timestamp=True):
        fields = params.get('q.field', [])
        ops = params.get('q.op', [])
        types = params.get('q.type', [])
        values = params.get('q.value', [])
        queries = []
        for i, field in enumerate(fields):
            op = ops[i] if i < len(ops) and ops[i] else 'eq'
            qtype = types[i] if i < len(types) else None
            value = values[i] if i < len(values) else None
            queries.append(_Query(field, op, value, qtype))
        self.plain = {}
        self.metadata = []
        self.lower = self.upper = None
        self.lower_op = self.upper_op = None
        offset = None
        for query in queries:
            if query.value is None:
                continue   # observed: a filter without value is ignored
            field, op = query.field, query.op
            if op not in _OPS:
                raise _bad('Invalid input for field/attribute op. Value: '
                           "'%s'. unimplemented operator for %s"
                           % (op, field))
            if field == 'timestamp':
                if not allow_timestamp:
                    raise _bad('Unknown argument: "timestamp": not valid '
                               'for this resource')
                if op in ('eq', 'ne'):
                    raise _bad('Invalid input for field/attribute op. '
                               "Value: '%s'. unimplemented operator for "
                               'timestamp' % op)
                moment = _parse_time(query.value)
                if op in ('gt', 'ge'):
                    self.lower, self.lower_op = moment, op
                else:
                    self.upper, self.upper_op = moment, op
                continue
            if field == 'search_offset':
                offset = int(query.value)
                continue
            if field.startswith(('metadata.', 'resource_metadata.')):
                if op != 'eq':
                    raise _bad('Invalid input for field/attribute op. '
                               "Value: '%s'. unimplemented operator for %s"
                               % (op, field))
                key = field.split('.', 1)[1]
                self.metadata.append(
                    (key, _convert_typed(query.value, query.type)))
                continue
            canonical = _PLAIN_FIELDS.get(field)
            if canonical is None:
                raise _bad('Unknown argument: "%s": unrecognized field in '
                           'query: %r, valid keys: %s'
                           % (field, queries, _VALID_KEYS))
            if op != 'eq':
                raise _bad('Invalid input for field/attribute op. Value: '
                           "'%s'. unimplemented operator for %s"
                           % (op, canonical))
            self.plain[canonical] = query.value   # last one wins
        self.clamp = (self.lower, self.upper)
        if offset is not None:
            if self.lower is None and self.upper is None:
                raise _bad("Invalid input for field/attribute field. Value: "
                           "'search_offset'. search_offset cannot be used "
                           'without timestamp')
            delta = datetime.timedelta(minutes=offset)
            if self.lower is not None:
                self.lower -= delta
            if self.upper is not None:
                self.upper += delta

    def match(self, sample, meter=None):
        if meter is not None and sample['meter'] != meter:
            return False
        for field, value in self.plain.items():
            if field == 'meter' and meter is not None:
                continue   # the meter of the path wins
            actual = sample.get(field)
            if value == 'None' and actual is None:
                continue
            if actual != value:
                return False
        stamp = sample['timestamp']
        if self.lower is not None:
            if stamp < self.lower or (self.lower_op == 'gt'
                                      and stamp == self.lower):
                return False
        if self.upper is not None:
            if stamp > self.upper or (self.upper_op == 'lt'
                                      and stamp == self.upper):
                return False
        for key, expected in self.metadata:
            actual = _lookup(sample['metadata'], key)
            if actual is _MISSING or type(actual) is not type(expected) \
                    or actual != expected:
                return False
        return True


def _params(environ, allowed, single=('period', 'limit', 'meter_links',
                                      'unique', 'direct')):
    pairs = urllib.parse.parse_qsl(environ.get('QUERY_STRING', ''),
                                   keep_blank_values=True)
    params = {}
    for name, value in pairs:
        if not (name.startswith('q.') and name in (
                'q.field', 'q.op', 'q.type', 'q.value')) \
                and name not in allowed:
            raise _bad('Unknown argument: "%s"' % name)
        params.setdefault(name, []).append(value)
    for name in single:
        if len(params.get(name, [])) > 1:
            raise _bad('Invalid input for field/attribute %s. Value: '
                       "'%s'. unable to convert to int. Error: invalid "
                       "literal for int() with base 10: '%s'"
                       % (name, params[name], params[name]))
    return params


def _int_param(params, name, default):
    if name not in params:
        return default
    text = params[name][0]
    try:
        return int(text)
    except ValueError:
        raise _bad("Invalid input for field/attribute %s. Value: '%s'. "
                   'unable to convert to int. Error: invalid literal for '
                   "int() with base 10: '%s'" % (name, text, text))
