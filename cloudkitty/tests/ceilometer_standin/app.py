"""The WSGI application of the Ceilometer v2 stand-in and its in-memory
sample store (routing, statistics, resources, meters, samples)."""

import base64
import datetime
import json
import math
import statistics as stats_mod
import threading
import uuid

from cloudkitty.tests.ceilometer_standin.query import (
    ApiError,
    _GROUPBY,
    _FUNCS,
    _NOT_FOUND_HTML,
    _NOT_ALLOWED_HTML,
    _bad,
    _parse_time,
    _iso,
    _flatten,
    _lookup,
    _MISSING,
    _Filter,
    _params,
    _int_param,
)


class CeilometerStandIn:
    """The WSGI application plus its in-memory sample store."""

    def __init__(self):
        self._lock = threading.Lock()
        self.samples = []
        self.requests = []

    # -- data ---------------------------------------------------------------

    def add_sample(self, meter, volume, resource_id, timestamp, unit='',
                   project_id=None, user_id=None, metadata=None,
                   type='gauge', source='openstack'):
        """Store one sample (``timestamp``: datetime or ISO string)."""
        if isinstance(timestamp, str):
            timestamp = _parse_time(timestamp)
        elif timestamp.tzinfo is not None:
            timestamp = timestamp.astimezone(datetime.UTC).replace(
                tzinfo=None)
        sample = {'meter': meter, 'volume': float(volume), 'unit': unit,
                  'type': type, 'resource_id': resource_id,
                  'project_id': project_id, 'user_id': user_id,
                  'metadata': metadata or {}, 'timestamp': timestamp,
                  'source': source, 'message_id': str(uuid.uuid4()),
                  'recorded_at': datetime.datetime.now(datetime.UTC)
                  .replace(tzinfo=None)}
        with self._lock:
            self.samples.append(sample)
        return sample

    def clear(self):
        with self._lock:
            self.samples = []
            self.requests = []

    # -- WSGI ---------------------------------------------------------------

    def __call__(self, environ, start_response):
        method = environ['REQUEST_METHOD']
        path = environ.get('PATH_INFO', '/')
        self.requests.append((method, path, environ.get('QUERY_STRING', '')))
        headers = [('Content-Type', 'application/json'),
                   ('x-openstack-request-id', 'req-%s' % uuid.uuid4())]
        try:
            status, body = self._route(method, path, environ)
        except ApiError as err:
            status = err.status
            body = {'error_message': err.body if err.body is not None else
                    {'faultcode': err.faultcode,
                     'faultstring': err.faultstring, 'debuginfo': None}}
            if status == 405:
                headers.append(('Allow', err.faultcode))
        reasons = {200: 'OK', 201: 'Created', 400: 'Bad Request',
                   401: 'Unauthorized', 404: 'Not Found',
                   405: 'Method Not Allowed', 501: 'Not Implemented'}
        payload = b'' if method == 'HEAD' else json.dumps(body).encode()
        start_response('%d %s' % (status, reasons.get(status, 'Error')),
                       headers + [('Content-Length', str(len(payload)))])
        return [payload]

    def _route(self, method, path, environ):
        host = '%s://%s' % (environ.get('wsgi.url_scheme', 'http'),
                            environ.get('HTTP_HOST', 'localhost'))
        parts = [p for p in path.split('/') if p]
        if not parts:
            self._allow(method, ('GET', 'HEAD'))
            return 200, self._versions(host)
        if parts[0] != 'v2' or len(parts) < 2:
            raise ApiError(404, '', body=_NOT_FOUND_HTML)
        confined = self._confinement(environ)
        if parts[1] == 'capabilities' and len(parts) == 2:
            self._allow(method, ('GET',))
            return 200, self._capabilities()
        if parts[1] == 'resources':
            self._allow(method, ('GET',))
            if len(parts) == 2:
                if path.endswith('/'):
                    raise _bad('Missing argument: "resource_id"')
                return 200, self._resources(environ, host, confined)
            if len(parts) == 3:
                return 200, self._resource(parts[2], host, confined)
        if parts[1] == 'meters':
            if len(parts) == 2:
                self._allow(method, ('GET',))
                return 200, self._meters(environ, confined)
            if len(parts) == 3:
                if method == 'POST':
                    return 201, self._post_samples(parts[2], environ)
                self._allow(method, ('GET', 'POST'))
                return 200, self._old_samples(parts[2], environ, confined)
            if len(parts) == 4 and parts[3] == 'statistics':
                self._allow(method, ('GET', 'POST'))
                return 200, self._statistics(parts[2], environ, confined)
        raise ApiError(404, '', body=_NOT_FOUND_HTML)

    @staticmethod
    def _allow(method, allowed):
        if method not in allowed:
            raise ApiError(405, '', faultcode=', '.join(allowed),
                           body=_NOT_ALLOWED_HTML)

    @staticmethod
    def _confinement(environ):
        """The project a non-admin caller is confined to, else None."""
        project = environ.get('HTTP_X_PROJECT_ID')
        roles = [r.strip() for r in
                 environ.get('HTTP_X_ROLES', '').split(',')]
        if not project or 'admin' in roles:
            return None
        return project

    @staticmethod
    def _confine(query, confined):
        if confined is None:
            return
        asked = query.plain.get('project_id')
        if asked is not None and asked != confined:
            raise ApiError(401, 'Not Authorized to access project %s'
                           % asked)
        query.plain['project_id'] = confined

    @staticmethod
    def _versions(host):
        return {'versions': {'values': [{
            'id': 'v2',
            'links': [{'href': host + '/v2', 'rel': 'self'},
                      {'href': 'http://docs.openstack.org/',
                       'rel': 'describedby', 'type': 'text/html'}],
            'media-types': [
                {'base': 'application/json',
                 'type': 'application/vnd.openstack.telemetry-v2+json'},
                {'base': 'application/xml',
                 'type': 'application/vnd.openstack.telemetry-v2+xml'}],
            'status': 'stable', 'updated': '2013-02-13T00:00:00Z'}]}}

    @staticmethod
    def _capabilities():
        api = dict.fromkeys((
            'meters:query:metadata', 'meters:query:simple',
            'resources:query:metadata', 'resources:query:simple',
            'samples:query:complex', 'samples:query:metadata',
            'samples:query:simple', 'statistics:aggregation:standard',
            'statistics:groupby', 'statistics:query:metadata',
            'statistics:query:simple'), True)
        for func in ('avg', 'cardinality', 'count', 'max', 'min', 'stddev',
                     'sum'):
            api['statistics:aggregation:selectable:' + func] = True
        return {'api': api, 'storage': {'storage:production_ready': True}}

    def _snapshot(self):
        with self._lock:
            return list(self.samples)

    # -- statistics ----------------------------------------------------------

    def _statistics(self, meter, environ, confined):
        params = _params(environ, ('period', 'groupby', 'aggregate.func',
                                   'aggregate.param', 'aggregate'))
        if 'aggregate' in params:
            value = params['aggregate'][0]
            raise _bad("Invalid input for field/attribute aggregate. Value: "
                       "'%s'. unable to convert to ArrayType. Error: "
                       'Invalid aggregate format' % value)
        period = _int_param(params, 'period', 0)
        if period < 0:
            raise _bad('Period must be positive.')
        groupby = []
        for name in params.get('groupby', []):
            if name not in groupby:
                groupby.append(name)
        bad = {g for g in groupby if g not in _GROUPBY + ('source',)}
        if bad:
            raise _bad('Unknown argument: "%s": Invalid groupby fields'
                       % bad)
        if 'source' in groupby:
            raise ApiError(501, 'Unable to group by these fields',
                           faultcode='Server')
        aggregates = self._aggregates(params)
        query = _Filter(params)
        self._confine(query, confined)
        selected = [s for s in self._snapshot() if query.match(s, meter)]
        if not selected:
            return []
        if period:
            anchor = query.lower or min(s['timestamp'] for s in selected)
            end = query.upper or max(s['timestamp'] for s in selected)
            step = datetime.timedelta(seconds=period)
            count = math.ceil((end - anchor) / step)
            buckets = [(anchor + i * step, anchor + (i + 1) * step)
                       for i in range(count)]
        else:
            buckets = [(None, None)]
        rows = []
        for low, high in buckets:
            groups = {}
            for sample in selected:
                if low is not None and not low <= sample['timestamp'] < high:
                    continue
                key = (sample['unit'],) + tuple(
                    self._group_value(sample, g) for g in groupby)
                groups.setdefault(key, []).append(sample)
            for key in sorted(groups, key=lambda k: tuple(
                    '' if v is None else str(v) for v in k)):
                rows.append(self._row(groups[key], key, groupby, period,
                                      low, high, query, aggregates))
        return rows

    @staticmethod
    def _group_value(sample, name):
        if name == 'resource_metadata.instance_type':
            value = _lookup(sample['metadata'], 'instance_type')
            return None if value is _MISSING else str(value)
        return sample.get(name)

    @staticmethod
    def _aggregates(params):
        funcs = params.get('aggregate.func', [])
        values = params.get('aggregate.param', [])
        result = []
        for i, func in enumerate(funcs):
            param = values[i] if i < len(values) else None
            if func not in _FUNCS:
                raise _bad('Invalid aggregation function: %s' % func)
            if func == 'cardinality' and param not in (
                    'resource_id', 'project_id', 'user_id'):
                raise _bad('Bad aggregate: cardinality.%s' % param)
            result.append((func, param if func == 'cardinality' else None))
        return result

    @staticmethod
    def _row(samples, key, groupby, period, low, high, query, aggregates):
        volumes = [s['volume'] for s in samples]
        stamps = [s['timestamp'] for s in samples]
        first, last = min(stamps), max(stamps)
        clamp_low, clamp_high = query.clamp
        d_start = max(first, clamp_low) if clamp_low else first
        d_end = min(last, clamp_high) if clamp_high else last
        duration = (d_end - d_start).total_seconds() \
            if d_start <= d_end else None
        standard = {'min': min(volumes), 'max': max(volumes),
                    'avg': sum(volumes) / len(volumes), 'sum': sum(volumes),
                    'count': len(volumes)}
        row = {'groupby': dict(zip(groupby, key[1:], strict=True))
               if groupby else None, 'unit': key[0]}
        if aggregates:
            computed = {}
            for func, param in aggregates:
                if func == 'cardinality':
                    computed['cardinality/%s' % param] = float(len(
                        {s.get(param) for s in samples}))
                    continue
                if func == 'stddev':
                    computed['stddev'] = float(stats_mod.pstdev(volumes))
                    continue
                computed[func] = float(standard[func])
                row[func] = standard[func]
            row['aggregate'] = computed
        else:
            row.update(standard)
        row.update({
            'duration': duration,
            'duration_start': _iso(d_start) if duration is not None
            else None,
            'duration_end': _iso(d_end) if duration is not None else None,
            'period': period,
            'period_start': _iso(low if period else first),
            'period_end': _iso(high if period else last)})
        return row

    # -- resources and meters ---------------------------------------------

    def _describe(self, resource_id, samples, host, links=True):
        latest = max(samples, key=lambda s: s['timestamp'])
        meters = []
        for sample in samples:
            if sample['meter'] not in meters:
                meters.append(sample['meter'])
        body = {'resource_id': resource_id,
                'project_id': latest['project_id'],
                'user_id': latest['user_id'],
                'first_sample_timestamp': _iso(min(
                    s['timestamp'] for s in samples)),
                'last_sample_timestamp': _iso(latest['timestamp']),
                'metadata': _flatten(latest['metadata']),
                'links': [{'href': '%s/v2/resources/%s' % (host,
                                                           resource_id),
                           'rel': 'self'}],
                'source': latest['source']}
        if links:
            body['links'].extend(
                {'href': '%s/v2/meters/%s?q.field=resource_id&q.value=%s'
                 % (host, meter, resource_id), 'rel': meter}
                for meter in meters)
        return body

    def _resource(self, resource_id, host, confined):
        samples = [s for s in self._snapshot()
                   if s['resource_id'] == resource_id
                   and (confined is None or s['project_id'] == confined)]
        if not samples:
            raise ApiError(404, 'Resource %s Not Found' % resource_id)
        return self._describe(resource_id, samples, host)

    def _resources(self, environ, host, confined):
        params = _params(environ, ('limit', 'meter_links'))
        limit = _int_param(params, 'limit', 100)
        if limit <= 0:
            raise _bad('Limit must be positive')
        links = _int_param(params, 'meter_links', 1)
        query = _Filter(params)
        self._confine(query, confined)
        by_resource = {}
        for sample in self._snapshot():
            if query.match(sample):
                by_resource.setdefault(sample['resource_id'], []).append(
                    sample)
        return [self._describe(rid, by_resource[rid], host, bool(links))
                for rid in sorted(by_resource)][:limit]

    def _meters(self, environ, confined):
        params = _params(environ, ('limit', 'unique'))
        limit = _int_param(params, 'limit', 100)
        if limit <= 0:
            raise _bad('Limit must be positive')
        unique = params.get('unique', ['False'])[0].lower() == 'true'
        query = _Filter(params, allow_timestamp=False)
        self._confine(query, confined)
        latest = {}
        for sample in self._snapshot():
            if not query.match(sample):
                continue
            key = (sample['meter'],) if unique else (sample['meter'],
                                                     sample['resource_id'])
            if key not in latest or sample['timestamp'] >= \
                    latest[key]['timestamp']:
                latest[key] = sample
        result = []
        for key in sorted(latest, key=lambda k: tuple(str(v) for v in k)):
            sample = latest[key]
            rid = None if unique else sample['resource_id']
            result.append({
                'name': sample['meter'], 'type': sample['type'],
                'unit': sample['unit'], 'resource_id': rid,
                'project_id': None if unique else sample['project_id'],
                'user_id': None if unique else sample['user_id'],
                'source': None if unique else sample['source'],
                'meter_id': base64.b64encode(('%s+%s' % (
                    rid, sample['meter'])).encode()).decode()})
        return result[:limit]

    def _old_samples(self, meter, environ, confined):
        params = _params(environ, ('limit',))
        limit = _int_param(params, 'limit', 100)
        if limit <= 0:
            raise _bad('Limit must be positive')
        query = _Filter(params)
        self._confine(query, confined)
        found = [s for s in self._snapshot() if query.match(s, meter)]
        found.sort(key=lambda s: s['timestamp'], reverse=True)
        return [self._old_form(s) for s in found[:limit]]

    @staticmethod
    def _old_form(sample):
        return {'source': sample['source'], 'counter_name': sample['meter'],
                'counter_type': sample['type'],
                'counter_unit': sample['unit'],
                'counter_volume': sample['volume'],
                'user_id': sample['user_id'],
                'project_id': sample['project_id'],
                'resource_id': sample['resource_id'],
                'timestamp': _iso(sample['timestamp']),
                'recorded_at': _iso(sample['recorded_at']),
                'resource_metadata': _flatten(sample['metadata']),
                'message_id': sample['message_id']}

    def _post_samples(self, meter, environ):
        _params(environ, ('direct',))
        length = int(environ.get('CONTENT_LENGTH') or 0)
        try:
            body = json.loads(environ['wsgi.input'].read(length) or b'null')
        except ValueError:
            raise _bad('Samples should be included in request body')
        if not isinstance(body, list) or not body:
            raise _bad('Samples should be included in request body')
        stored = []
        for item in body:
            if not isinstance(item, dict):
                raise _bad('Samples should be included in request body')
            missing = [k for k in ('counter_name', 'counter_type',
                                   'counter_unit', 'counter_volume',
                                   'resource_id') if item.get(k) is None]
            if missing:
                raise _bad('Invalid input for field/attribute %s. Value: '
                           "'None'. Mandatory field missing." % missing[0])
            if item['counter_name'] != meter:
                raise _bad('The metric %s in the request body does not '
                           'match the one in the URL (%s)'
                           % (item['counter_name'], meter))
            if item.get('message_id'):
                raise _bad('Invalid input for field/attribute message_id. '
                           "Value: '%s'. The value is read only."
                           % item['message_id'])
            stamp = item.get('timestamp') or datetime.datetime.now(
                datetime.UTC).replace(tzinfo=None)
            sample = self.add_sample(
                meter, item['counter_volume'], item['resource_id'], stamp,
                unit=item['counter_unit'],
                project_id=item.get('project_id'),
                user_id=item.get('user_id'),
                metadata=item.get('resource_metadata'),
                type=item['counter_type'],
                source=item.get('source') or 'openstack')
            stored.append(self._old_form(sample))
        return stored
