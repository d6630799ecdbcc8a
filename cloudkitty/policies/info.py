"""info:* rules."""

from cloudkitty.policies import base

LIST_SERVICES_INFO = 'info:list_services_info'
GET_SERVICE_INFO = 'info:get_service_info'
LIST_METRICS_INFO = 'info:list_metrics_info'
GET_METRIC_INFO = 'info:get_metric_info'
GET_CONFIG = 'info:get_config'

rules = [
    base.rule(LIST_SERVICES_INFO, base.UNPROTECTED,
              'Deprecated alias of info:list_metrics_info (not checked).',
              [('GET', '/v1/info/services')]),
    base.rule(GET_SERVICE_INFO, base.UNPROTECTED,
              'Deprecated alias of info:get_metric_info (not checked).',
              [('GET', '/v1/info/services/{service_id}')]),
    base.rule(LIST_METRICS_INFO, base.UNPROTECTED,
              'List the collected metrics.',
              [('GET', '/v1/info/metrics')]),
    base.rule(GET_METRIC_INFO, base.UNPROTECTED, 'Get a collected metric.',
              [('GET', '/v1/info/metrics/{metric_id}')]),
    base.rule(GET_CONFIG, base.UNPROTECTED,
              'Show the metrics configuration.',
              [('GET', '/v1/info/config')]),
]


def list_rules():
    return rules
