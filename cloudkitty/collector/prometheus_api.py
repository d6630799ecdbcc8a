"""Minimal client of the Prometheus HTTP API (``/api/v1``).

Only what CloudKitty needs: instant queries and label values. Every failure
(connection, HTTP status, ``"status": "error"`` body, unparsable answer) is
a :class:`PrometheusError` carrying Prometheus' own error text.
"""

import requests

from cloudkitty import exception


class PrometheusError(Exception):
    pass


def escape_label_value(value):
    """A PromQL string literal body (backslash, quote, newline escaped)."""
    return (str(value).replace('\\', '\\\\').replace('"', '\\"')
            .replace('\n', '\\n'))


class PrometheusAPI:
    """Prometheus server configured by one option group.

    :param options: the group (``prometheus_url``, ``prometheus_user``,
        ``prometheus_password``, ``cafile``, ``insecure``, ``timeout``).
    :param group: its name, for configuration errors.
    :raises exception.ConfigError: no ``prometheus_url``.
    """

    def __init__(self, options, group):
        if not options.prometheus_url:
            raise exception.ConfigError(group=group, option='prometheus_url',
                                        reason='must be set')
        self.url = options.prometheus_url.rstrip('/') + '/api/v1/'
        self.timeout = options.timeout
        self.session = requests.Session()
        if options.prometheus_user and options.prometheus_password:
            self.session.auth = (options.prometheus_user,
                                 options.prometheus_password)
        if options.cafile:
            self.session.verify = options.cafile
        elif options.insecure:
            self.session.verify = False

    def _get(self, path, params):
        try:
            response = self.session.get(self.url + path, params=params,
                                        timeout=self.timeout)
        except requests.RequestException as err:
            raise PrometheusError('Prometheus unreachable: %s' % err)
        try:
            body = response.json()
        except ValueError:
            raise PrometheusError('Prometheus answered HTTP %d with no JSON '
                                  'body' % response.status_code)
        if response.status_code >= 400 or body.get('status') != 'success':
            raise PrometheusError('Prometheus error (HTTP %d): %s: %s' % (
                response.status_code, body.get('errorType', 'unknown'),
                body.get('error', response.text[:200])))
        return body['data']

    def query(self, query, at):
        """Instant query evaluated at ``at`` (aware datetime).

        :returns: the ``result`` list of a vector answer.
        """
        data = self._get('query', {'query': query,
                                   'time': '%.3f' % at.timestamp()})
        if data.get('resultType') != 'vector':
            raise PrometheusError('expected a vector result, got %s'
                                  % data.get('resultType'))
        return data['result']

    def label_values(self, label, match):
        """Every value of ``label`` on the series matching ``match``."""
        return self._get('label/%s/values' % label, {'match[]': match})
