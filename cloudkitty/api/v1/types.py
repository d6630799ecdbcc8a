"""WSME types of the core v1 resources (collector, modules, quote, info,
report, storage). Each has a ``sample()`` for the API reference."""

import datetime
import decimal

from wsme import types as wtypes

from cloudkitty.api import types as ck_types


class CollectorMapping(wtypes.Base):
    """A service-to-collector mapping (deprecated v1 collector API)."""

    service = wtypes.wsattr(ck_types.Text, mandatory=True)
    collector = wtypes.wsattr(ck_types.Text, mandatory=True)

    @classmethod
    def sample(cls):
        return cls(service='compute', collector='gnocchi')


class CollectorMappingCollection(wtypes.Base):
    mappings = [CollectorMapping]

    @classmethod
    def sample(cls):
        return cls(mappings=[CollectorMapping.sample()])


class CollectorState(wtypes.Base):
    """Enabled flag of a collector (stored only)."""

    name = wtypes.wsattr(ck_types.Text)
    enabled = wtypes.wsattr(ck_types.Boolean, mandatory=True)

    @classmethod
    def sample(cls):
        return cls(name='gnocchi', enabled=True)


class Module(wtypes.Base):
    """A rating module. ``hot-config`` keeps its hyphen on the wire."""

    module_id = wtypes.wsattr(ck_types.Text, mandatory=True)
    description = wtypes.wsattr(wtypes.text)
    enabled = wtypes.wsattr(ck_types.Boolean)
    hot_config = wtypes.wsattr(ck_types.Boolean, name='hot-config')
    priority = wtypes.wsattr(ck_types.Integer)

    @classmethod
    def sample(cls):
        return cls(module_id='hashmap', description='HashMap rating module.',
                   enabled=True, hot_config=True, priority=2)


class ModuleCollection(wtypes.Base):
    modules = [Module]

    @classmethod
    def sample(cls):
        return cls(modules=[Module.sample()])


class QuoteResource(wtypes.Base):
    """One resource to price: ``desc`` may be flat or nested (§6.4)."""

    service = wtypes.wsattr(ck_types.Text, mandatory=True)
    volume = wtypes.wsattr(ck_types.DecimalType(max_int_digits=20),
                           mandatory=True)
    desc = wtypes.wsattr(ck_types.Json)

    @classmethod
    def sample(cls):
        return cls(service='instance', volume=decimal.Decimal(1),
                   desc={'flavor_name': 'm1.small', 'vcpus': 1})


class QuoteRequest(wtypes.Base):
    resources = wtypes.wsattr([QuoteResource], mandatory=True)

    @classmethod
    def sample(cls):
        return cls(resources=[QuoteResource.sample()])


class MetricInfo(wtypes.Base):
    """A collected metric as published (name, unit, metadata)."""

    metric_id = wtypes.text
    unit = wtypes.text
    metadata = [wtypes.text]

    @classmethod
    def sample(cls):
        return cls(metric_id='instance', unit='instance',
                   metadata=['flavor_id', 'flavor_name', 'vcpus'])


class MetricInfoCollection(wtypes.Base):
    metrics = [MetricInfo]

    @classmethod
    def sample(cls):
        return cls(metrics=[MetricInfo.sample()])


class SummaryEntry(wtypes.Base):
    """One row of ``/v1/report/summary``."""

    begin = ck_types.DateTime
    end = ck_types.DateTime
    tenant_id = wtypes.text
    res_type = wtypes.text
    rate = wtypes.text

    @classmethod
    def sample(cls):
        return cls(begin=datetime.datetime(2015, 1, 1),
                   end=datetime.datetime(2015, 2, 1),
                   tenant_id='7606a24a-b8ad-4ae0-be6c-3d7a41334a2e',
                   res_type='cpu', rate='74.872')


class SummaryCollection(wtypes.Base):
    summary = [SummaryEntry]

    @classmethod
    def sample(cls):
        return cls(summary=[SummaryEntry.sample()])
