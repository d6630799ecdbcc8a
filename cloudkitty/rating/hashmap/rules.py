"""Pure hashmap pricing (spec v1 §4.2 and §4.3).

Rules are frozen dataclasses grouped in a :class:`RuleSet`:
services, each with its own mappings/thresholds and its fields, each field
with its mappings/thresholds. :meth:`RuleSet.in_force` resolves the rules
that apply to one scope at one instant (validity windows, then tenant
rules overriding generic ones with the same key); :func:`price` prices one
point with a resolved service. :func:`pricer` gives the same result in a
pre-computed form used by the fast path (:mod:`.index`).

No database, no framework: everything here is plain data and arithmetic in
:class:`decimal.Decimal` (see :data:`CONTEXT`).
"""

import bisect
import dataclasses
import datetime
import decimal

from oslo_log import log as logging

from cloudkitty import dataframe

LOG = logging.getLogger(__name__)

FLAT = 'flat'
RATE = 'rate'
SERVICE = 'service'
FIELD = 'field'
TYPES = (FLAT, RATE)

# NOTE(ck): upstream starts every group with a no-op threshold of level -1
# and replaces it only with a *strictly* higher level, so a threshold whose
# level is -1 or lower never applies (spec §4.3 step 4: reproduced).
NO_THRESHOLD_LEVEL = decimal.Decimal(-1)

# NOTE(ck): costs have up to 40 digits (12 + 28) and are multiplied
# together; a wide context keeps every price exact (spec: "precision >= 60
# digits, no rounding").
CONTEXT = decimal.Context(prec=400, rounding=decimal.ROUND_HALF_EVEN,
                          Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)

ZERO = decimal.Decimal(0)
ONE = decimal.Decimal(1)
_MISSING = object()


@dataclasses.dataclass(frozen=True, slots=True)
class Mapping:
    """A flat or rate cost; ``value`` is None for a service mapping."""

    cost: decimal.Decimal
    type: str = FLAT
    value: str | None = None
    group_id: str | None = None
    tenant_id: str | None = None
    start: datetime.datetime | None = None
    end: datetime.datetime | None = None
    mapping_id: str | None = None
    order: int = 0


@dataclasses.dataclass(frozen=True, slots=True)
class Threshold:
    """A cost applying when the compared value reaches ``level``."""

    level: decimal.Decimal
    cost: decimal.Decimal
    type: str = FLAT
    group_id: str | None = None
    tenant_id: str | None = None
    threshold_id: str | None = None
    order: int = 0


@dataclasses.dataclass(frozen=True, slots=True)
class Field:
    """An attribute of the point's desc, with its rules."""

    name: str
    mappings: tuple = ()
    thresholds: tuple = ()
    field_id: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Service:
    """A metric type, with its own rules and its fields (in DB order)."""

    name: str
    mappings: tuple = ()
    thresholds: tuple = ()
    fields: tuple = ()
    service_id: str | None = None


def _aware(value):
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=datetime.UTC)


def _active(mapping, at):
    start = _aware(mapping.start)
    end = _aware(mapping.end)
    return (start is None or start <= at) and (end is None or end > at)


def _resolve(rules, key, scope_id, at=None):
    """Two passes: generic rules, then the scope's rules replacing the
    generic ones with the same key (spec §4.2 step 3). Within a pass the
    latest ``order`` wins (OUR CHOICE for residual ties)."""
    chosen = {}
    passes = (None,) if scope_id is None else (None, scope_id)
    for tenant in passes:
        candidates = [rule for rule in rules if rule.tenant_id == tenant
                      and (at is None or _active(rule, at))]
        candidates.sort(key=lambda rule: rule.order)
        for rule in candidates:
            chosen[key(rule)] = rule
    return tuple(chosen.values())


def _mapping_key(mapping):
    return (mapping.group_id, mapping.value)


def _threshold_key(threshold):
    return (threshold.group_id, threshold.level)


@dataclasses.dataclass(frozen=True)
class RuleSet:
    """Every hashmap rule (all tenants, all validity windows)."""

    services: tuple = ()

    def service(self, name):
        for service in self.services:
            if service.name == name:
                return service
        return None

    def tenants(self):
        """Scopes that have tenant-specific rules."""
        found = set()
        for service in self.services:
            for holder in (service,) + tuple(service.fields):
                for rule in holder.mappings + holder.thresholds:
                    if rule.tenant_id is not None:
                        found.add(rule.tenant_id)
        return frozenset(found)

    def boundaries(self):
        """Sorted instants where the set of active mappings changes.

        Two instants with as many boundaries at or before them have the
        same mappings in force.
        """
        found = set()
        for service in self.services:
            for holder in (service,) + tuple(service.fields):
                for mapping in holder.mappings:
                    for instant in (mapping.start, mapping.end):
                        if instant is not None:
                            found.add(_aware(instant))
        return tuple(sorted(found))

    def in_force(self, at, scope_id=None):
        """The resolved rules for ``scope_id`` at ``at`` (aware or naive
        UTC; None: ignore validity windows)."""
        at = _aware(at)
        services = []
        for service in self.services:
            fields = tuple(
                Field(name=field.name, field_id=field.field_id,
                      mappings=_resolve(field.mappings, _mapping_key,
                                        scope_id, at),
                      thresholds=_resolve(field.thresholds, _threshold_key,
                                          scope_id))
                for field in service.fields)
            services.append(Service(
                name=service.name, service_id=service.service_id,
                mappings=_resolve(service.mappings,
                                  lambda m: m.group_id, scope_id, at),
                thresholds=_resolve(service.thresholds, _threshold_key,
                                    scope_id),
                fields=fields))
        return RuleSet(services=tuple(services))


class _Group:
    __slots__ = ('flat', 'rate', 'threshold')

    def __init__(self):
        self.flat = ZERO
        self.rate = ONE
        # (level, scope, type, cost) of the chosen threshold
        self.threshold = None


def text_of(value):
    """How an attribute value is compared with a mapping value."""
    return value if type(value) is str else str(value)


def _apply_mapping(groups, mapping):
    group = groups.get(mapping.group_id)
    if group is None:
        group = groups[mapping.group_id] = _Group()
    if mapping.type == RATE:
        group.rate = group.rate * mapping.cost
    elif mapping.cost > group.flat:
        group.flat = mapping.cost


def _candidate(groups, threshold, scope):
    group = groups.get(threshold.group_id)
    if group is None:
        group = groups[threshold.group_id] = _Group()
    best = (NO_THRESHOLD_LEVEL if group.threshold is None
            else group.threshold[0])
    if threshold.level > best:
        group.threshold = (threshold.level, scope, threshold.type,
                           threshold.cost)


def _field_rules(service, lookup, groups, service_name=None):
    """Steps 3 of §4.3 for every field present; ``lookup(name)`` returns
    the attribute value or ``_MISSING``."""
    for field in service.fields:
        if not field.mappings and not field.thresholds:
            continue
        value = lookup(field.name)
        if value is _MISSING:
            continue
        text = text_of(value)
        for mapping in field.mappings:
            if mapping.value == text:
                _apply_mapping(groups, mapping)
        if field.thresholds:
            try:
                number = dataframe.to_decimal(text)
            except ValueError:
                # NOTE(ck): upstream raises here and the scope is retried
                # forever (spec §12.1 #14); we skip the thresholds.
                LOG.warning('Hashmap: service %s field %s value %r is not '
                            'a number; its thresholds are skipped',
                            service_name or service.name, field.name, value)
                continue
            for threshold in field.thresholds:
                if threshold.level <= number:
                    _candidate(groups, threshold, FIELD)


def _group_price(group, qty):
    flat, rate, chosen = group.flat, group.rate, group.threshold
    if chosen is not None and chosen[1] == FIELD:
        if chosen[2] == FLAT:
            flat = flat + chosen[3]
        else:
            rate = rate * chosen[3]
    result = flat * rate * qty
    if chosen is not None and chosen[1] == SERVICE:
        if chosen[2] == FLAT:
            result = result + chosen[3]
        else:
            result = result * chosen[3]
    return result


def price(service, qty, desc):
    """Hashmap price of one point (without the incoming price).

    :param service: a resolved :class:`Service` (``RuleSet.in_force``).
    :param qty: the point quantity (Decimal).
    :param desc: the point's desc (metadata overlaid by groupby).
    """
    with decimal.localcontext(CONTEXT):
        groups = {}
        for mapping in service.mappings:
            _apply_mapping(groups, mapping)
        for threshold in service.thresholds:
            if threshold.level <= qty:
                _candidate(groups, threshold, SERVICE)
        _field_rules(service, lambda name: desc.get(name, _MISSING), groups)
        total = ZERO
        for group in groups.values():
            total = total + _group_price(group, qty)
        return total


def relevant_fields(service):
    """Names of the fields that have rules, in DB order."""
    return tuple(field.name for field in service.fields
                 if field.mappings or field.thresholds)


def _plain(value):
    """Shortest exact form, never in exponent notation."""
    value = value.normalize(CONTEXT)
    if value.as_tuple().exponent > 0:
        value = value.quantize(ONE, context=CONTEXT)
    return value


def pricer(service, values):
    """Pre-computed price of ``service`` for given field values.

    :param values: the values of :func:`relevant_fields`, in order
        (``_MISSING`` for an absent attribute).
    :returns: None when no rule can change the price, else
        ``(levels, a, b, segments)``: the price is ``a × qty + b``
        (``b`` None for 0) when ``levels`` is empty, else
        ``segments[bisect_right(levels, qty)]`` gives ``(a, b)``.

    A service threshold reached by the quantity only changes which
    threshold a group applies, and every group price is linear in the
    quantity, so the point price is piecewise linear with breaks at the
    service threshold levels.
    """
    with decimal.localcontext(CONTEXT):
        by_name = dict(zip(relevant_fields(service), values, strict=True))
        base = {}
        for mapping in service.mappings:
            _apply_mapping(base, mapping)
        _field_rules(service, lambda name: by_name.get(name, _MISSING),
                     base)
        thresholds = [t for t in service.thresholds
                      if t.level > NO_THRESHOLD_LEVEL]
        levels = sorted({t.level for t in thresholds})
        segments = []
        for index in range(len(levels) + 1):
            reached = levels[index - 1] if index else None
            a = ZERO
            b = ZERO
            group_ids = set(base) | {t.group_id for t in thresholds
                                     if reached is not None
                                     and t.level <= reached}
            for group_id in group_ids:
                group = base.get(group_id) or _Group()
                best_service = None
                for threshold in thresholds:
                    if (threshold.group_id == group_id
                            and reached is not None
                            and threshold.level <= reached
                            and (best_service is None
                                 or threshold.level > best_service.level)):
                        best_service = threshold
                ga, gb = _linear(group, best_service)
                a = a + ga
                b = b + gb
            segments.append((_plain(a), _plain(b) if b else None))
        if not levels:
            a, b = segments[0]
            if not a and b is None:
                return None
            return ((), a, b, ())
        return (tuple(levels), None, None, tuple(segments))


def _linear(group, service_threshold):
    """``(a, b)`` with ``group price = a × qty + b``."""
    flat, rate, chosen = group.flat, group.rate, group.threshold
    if service_threshold is not None and (
            chosen is None or not chosen[0] > service_threshold.level):
        # NOTE(ck): services are seen before fields, so on equal levels the
        # service threshold stays (spec §4.3 step 4).
        chosen = (service_threshold.level, SERVICE, service_threshold.type,
                  service_threshold.cost)
    if chosen is None:
        return flat * rate, ZERO
    kind, cost = chosen[2], chosen[3]
    if chosen[1] == FIELD:
        if kind == FLAT:
            return (flat + cost) * rate, ZERO
        return flat * rate * cost, ZERO
    if kind == FLAT:
        return flat * rate, cost
    return flat * rate * cost, ZERO


def segment(levels, qty):
    """Index into the segments of :func:`pricer` for ``qty``."""
    return bisect.bisect_right(levels, qty)
