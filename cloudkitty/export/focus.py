"""The FinOps FOCUS column layout (FOCUS 1.0 column names).

One FOCUS row per rated point. CloudKitty rates usage, it does not bill,
so the cost columns all carry the rated price (no discounts or
commitments are known here): BilledCost = EffectiveCost = ListCost =
ContractedCost = price. See doc/source/admin/exports.rst for the table.
"""

from cloudkitty.export import formats

COLUMNS = (
    'BillingPeriodStart', 'BillingPeriodEnd',
    'ChargePeriodStart', 'ChargePeriodEnd',
    'BilledCost', 'EffectiveCost', 'ListCost', 'ContractedCost',
    'BillingCurrency',
    'ChargeCategory', 'ChargeClass', 'ChargeDescription',
    'ConsumedQuantity', 'ConsumedUnit',
    'PricingQuantity', 'PricingUnit',
    'ResourceId', 'ResourceName', 'ResourceType',
    'ServiceName', 'ServiceCategory',
    'SubAccountId', 'ProviderName', 'PublisherName', 'InvoiceIssuerName',
    'RegionName', 'Tags',
)

PROVIDER = 'OpenStack'


def _month(value):
    start = value.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if start.month == 12:
        end = start.replace(year=start.year + 1, month=1)
    else:
        end = start.replace(month=start.month + 1)
    return start, end


def row(point, currency):
    """The FOCUS cells of one point, in :data:`COLUMNS` order."""
    desc = point.desc
    month_start, month_end = _month(point.begin)
    price = formats.plain(point.price)
    qty = formats.plain(point.qty)
    tags = formats.json.dumps(point.metadata, sort_keys=True)
    return [
        formats.isotime(month_start), formats.isotime(month_end),
        formats.isotime(point.begin), formats.isotime(point.end),
        price, price, price, price, currency,
        'Usage', '', '%s usage' % point.type,
        qty, point.unit, qty, point.unit,
        formats.resource_id(point),
        str(desc.get('display_name') or desc.get('name') or ''),
        point.type,
        point.type, 'Other',
        point.scope_id, PROVIDER, PROVIDER, PROVIDER,
        str(desc.get('region') or desc.get('region_name') or ''),
        tags,
    ]


def to_focus(points, currency='USD'):
    """CSV text chunks of ``points`` in the FOCUS layout."""
    return formats.csv_lines(COLUMNS, (row(p, currency) for p in points))
