"""WSME types of the pyscripts API (spec §3.5), with ``sample()``.

NOTE(ck): not called ``types.py`` like the other modules' type files: the
sandbox worker puts this package's directory first on ``sys.path``, where a
``types.py`` would shadow the standard library's ``types`` module.
"""

import datetime

from wsme import types as wtypes

from cloudkitty.api import types as ck_types

Name = ck_types.TextType(max_length=255)


class Script(wtypes.Base):
    """A rating script. ``checksum`` (SHA-512 of ``data``) is read-only.

    No attribute has a WSME default, so that an update knows what was
    sent; every attribute a GET returns is accepted back (the 2026 client
    PUTs the fetched object, minus ``checksum``).
    """

    script_id = wtypes.wsattr(ck_types.Uuid)
    name = wtypes.wsattr(Name, mandatory=True)
    data = wtypes.wsattr(ck_types.TextType())
    checksum = wtypes.wsattr(wtypes.text, readonly=True)
    created_at = wtypes.wsattr(ck_types.DateTime)
    start = wtypes.wsattr(ck_types.DateTime)
    end = wtypes.wsattr(ck_types.EndDateTime)
    description = wtypes.wsattr(ck_types.TextType(max_length=256))
    deleted = wtypes.wsattr(ck_types.DateTime)
    created_by = wtypes.wsattr(Name)
    updated_by = wtypes.wsattr(Name)
    deleted_by = wtypes.wsattr(Name)

    @classmethod
    def sample(cls):
        now = datetime.datetime(2026, 11, 26, 19, 15, 31)
        return cls(script_id='d94e4933-4cf4-451c-b169-706c0ee06db5',
                   name='policy', data='a = 1\n',
                   checksum='c5a9ed00...', created_at=now, start=now,
                   end=None, description=None, deleted=None,
                   created_by='unknown', updated_by=None, deleted_by=None)


class ScriptCollection(wtypes.Base):
    scripts = [Script]

    @classmethod
    def sample(cls):
        return cls(scripts=[Script.sample()])


def to_api(script, with_data=True):
    """The WSME Script of a pyscripts value object (``data`` omitted from
    lists asked with ``no_data``)."""
    obj = Script()
    for attr in wtypes.list_attributes(Script):
        if attr.key == 'data' and not with_data:
            continue
        # NOTE(ck): set through the data holder: ``checksum`` is read-only
        # for input only.
        setattr(obj, attr.key, getattr(script, attr.key))
    return obj


def sent(obj):
    """Attributes of a request body object that were actually sent."""
    return {attr.key: getattr(obj, attr.key)
            for attr in wtypes.list_attributes(Script)
            if getattr(obj, attr.key) is not wtypes.Unset}
