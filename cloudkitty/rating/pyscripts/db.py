"""Storage of pyscripts (spec v1 §3.5, validity windows §4.6).

CRUD of scripts with the exact messages of the v1 API, returning
:class:`Script` value objects the API serialises. Every write bumps the
rules generation so that processors reload their scripts.
"""

import dataclasses
import datetime
import hashlib
import uuid

import sqlalchemy as sa
from oslo_db import exception as db_exc

from cloudkitty.db import api as db_api
from cloudkitty import exception
from cloudkitty.rating import modules
from cloudkitty.rating.pyscripts import models
from cloudkitty.rating import validity

_UNSET = object()


class NoSuchScript(exception.NotFound):
    msg_fmt = 'No such script: None (UUID: %(script_id)s)'


class ScriptAlreadyExists(exception.Conflict):
    msg_fmt = 'Script %(name)s already exists (UUID: %(script_id)s)'


class InvalidScriptInput(exception.Invalid):
    msg_fmt = ('Invalid input for field/attribute %(attr)s. '
               'Value: \'%(value)s\'. %(reason)s')


def checksum(data):
    """Lowercase hex SHA-512 of the UTF-8 bytes of ``data``."""
    return hashlib.sha512((data or '').encode('utf-8')).hexdigest()


@dataclasses.dataclass(frozen=True)
class Script:
    """A stored script, as the API shows it (field order = wire order)."""

    script_id: str
    name: str
    data: str | None
    checksum: str
    created_at: datetime.datetime
    start: datetime.datetime
    end: datetime.datetime | None
    description: str | None
    deleted: datetime.datetime | None
    created_by: str | None
    updated_by: str | None
    deleted_by: str | None

    def as_dict(self, no_data=False):
        result = dataclasses.asdict(self)
        if no_data:
            del result['data']
        return result

    @classmethod
    def from_row(cls, row, with_data=True):
        return cls(script_id=row.script_id, name=row.name,
                   data=row.data if with_data else None,
                   checksum=row.checksum, created_at=row.created_at,
                   start=row.start, end=row.end,
                   description=row.description, deleted=row.deleted,
                   created_by=row.created_by, updated_by=row.updated_by,
                   deleted_by=row.deleted_by)


def _parse_datetime(value, attr, is_end=False):
    """A naive UTC datetime from a datetime, date or ISO string."""
    if value is None or isinstance(value, datetime.datetime):
        result = validity.naive_utc(value)
        return result
    if isinstance(value, datetime.date):
        if is_end:
            return validity.end_of_day(value)
        return validity.naive_utc(value)
    if isinstance(value, str):
        try:
            parsed = datetime.datetime.fromisoformat(
                value.strip().replace('Z', '+00:00'))
        except ValueError as err:
            raise InvalidScriptInput(
                attr=attr, value=value,
                reason='unable to convert to datetime. Error: %s' % err)
        if is_end:
            return validity.normalize_end(parsed, value)
        return validity.naive_utc(parsed)
    raise InvalidScriptInput(attr=attr, value=value,
                             reason='unable to convert to datetime.')


def _mandatory(value, attr):
    if value is None or value == '':
        raise InvalidScriptInput(attr=attr, value=None,
                                 reason='Mandatory field missing.')


def _rules_changed(context):
    # NOTE(ck): in the same transaction as the write: processors reload
    # their scripts when the stamp moves.
    modules.bump_rules_generation(context)


def _live_row(context, script_id):
    row = context.session.execute(
        sa.select(models.PyScript).where(
            models.PyScript.script_id == script_id,
            models.PyScript.deleted.is_(None))).scalar_one_or_none()
    if row is None:
        raise NoSuchScript(script_id=script_id)
    return row


def _raise_if_name_taken(context, name):
    existing = context.session.execute(
        sa.select(models.PyScript.script_id).where(
            models.PyScript.name == name,
            models.PyScript.deleted.is_(None))).scalar_one_or_none()
    if existing is not None:
        raise ScriptAlreadyExists(name=name, script_id=existing)


@db_api.context_manager.writer
def create_script(context, name, data=None, start=None, end=None,
                  description=None, force=False, now=None):
    """Create a script (``POST .../scripts[?force=true]``).

    :raises InvalidScriptInput: ``name`` missing, unparsable dates.
    :raises validity.StartInPast, validity.StartAfterEnd: window rules.
    :raises ScriptAlreadyExists: a live script has that name.
    """
    _mandatory(name, 'name')
    now = validity.naive_utc(now) or validity.utcnow()
    start, end = validity.check_create(
        _parse_datetime(start, 'start'), _parse_datetime(end, 'end', True),
        now=now, force=force)
    _raise_if_name_taken(context, name)
    data = data or ''
    row = models.PyScript(
        script_id=str(uuid.uuid4()), name=name, live_name=name, data=data,
        checksum=checksum(data), created_at=now, start=start, end=end,
        description=description, created_by=context.audit_user)
    context.session.add(row)
    try:
        context.session.flush()
    except db_exc.DBDuplicateEntry:
        # NOTE(ck): a concurrent create won the race for the name.
        raise ScriptAlreadyExists(name=name, script_id='unknown')
    _rules_changed(context)
    return Script.from_row(row)


@db_api.context_manager.reader
def get_script(context, script_id):
    """The live script ``script_id``; NoSuchScript otherwise."""
    return Script.from_row(_live_row(context, script_id))


@db_api.context_manager.reader
def list_scripts(context, no_data=False, deleted=False, start=None,
                 end=None, created_by=None, updated_by=None,
                 deleted_by=None, description=None, is_active=None,
                 now=None):
    """Scripts in storage order, filtered as mappings are (§3.4.6).

    ``deleted`` includes soft-deleted scripts; ``start``/``end`` keep
    scripts with ``start >= start`` / ``end < end``; ``description`` is a
    case-insensitive substring; ``is_active`` True keeps the scripts in
    force now, False (OUR CHOICE) those that are not.
    """
    model = models.PyScript
    columns = [c for c in model.__table__.columns
               if not (no_data and c.name == 'data')]
    query = sa.select(*columns).order_by(model.id)
    if not deleted:
        query = query.where(model.deleted.is_(None))
    if start is not None:
        query = query.where(model.start >= _parse_datetime(start, 'start'))
    if end is not None:
        query = query.where(model.end < _parse_datetime(end, 'end'))
    for column, value in (('created_by', created_by),
                          ('updated_by', updated_by),
                          ('deleted_by', deleted_by)):
        if value is not None:
            query = query.where(getattr(model, column) == value)
    if description is not None:
        query = query.where(sa.func.lower(model.description).contains(
            description.lower(), autoescape=True))
    if is_active is not None:
        now = validity.naive_utc(now) or validity.utcnow()
        active = sa.and_(model.start <= now, model.deleted.is_(None),
                         sa.or_(model.end.is_(None), model.end > now))
        query = query.where(active if is_active else sa.not_(active))
    rows = context.session.execute(query)
    return [Script.from_row(row, with_data=not no_data) for row in rows]


@db_api.context_manager.writer
def update_script(context, script_id, values, now=None):
    """Update a script (``PUT .../scripts/{id}``), spec §3.5 and §4.6.

    :param values: the attributes the caller sent (absent ones are
        absent), datetimes parsed or ISO strings. Every attribute of a
        script is accepted; ``checksum`` is read-only.
    :raises InvalidScriptInput: ``name`` missing, ``checksum`` given,
        unparsable dates.
    :raises NoSuchScript: unknown or deleted.
    :raises validity errors: window rules (running scripts only get an
        ``end``).
    """
    if 'checksum' in values:
        raise InvalidScriptInput(attr='checksum', value=values['checksum'],
                                 reason='Cannot set read only field.')
    _mandatory(values.get('name'), 'name')
    now = validity.naive_utc(now) or validity.utcnow()
    row = _live_row(context, script_id)
    sent = dict(values)
    for attr in ('start', 'created_at', 'deleted'):
        if sent.get(attr) is not None:
            sent[attr] = _parse_datetime(sent[attr], attr)
    end = _parse_datetime(values.get('end'), 'end', True)
    stored = Script.from_row(row).as_dict()
    changed = validity.changed_attributes(sent, stored)
    plan = validity.check_update(row.start, row.end, changed,
                                 start=sent.get('start'), end=end, now=now)
    if not plan.only_end:
        if 'data' in values:
            row.data = values['data'] or ''
            row.checksum = checksum(row.data)
        row.start = plan.start
        row.description = values.get('description')
    row.end = plan.end
    row.updated_by = context.audit_user
    _rules_changed(context)
    return Script.from_row(row)


@db_api.context_manager.writer
def delete_script(context, script_id, now=None):
    """Soft-delete a script; a second delete raises NoSuchScript."""
    row = _live_row(context, script_id)
    row.deleted = validity.naive_utc(now) or validity.utcnow()
    row.deleted_by = context.audit_user
    row.live_name = None
    _rules_changed(context)


@dataclasses.dataclass(frozen=True)
class RatingScript:
    """What the processor needs to select and run a script."""

    script_id: str
    name: str
    checksum: str
    start: datetime.datetime
    end: datetime.datetime | None

    def is_active(self, at):
        return validity.is_active(self.start, self.end, None, at)


@db_api.context_manager.reader
def rating_scripts(context):
    """Live scripts in storage order, without their text (cheap)."""
    model = models.PyScript
    rows = context.session.execute(
        sa.select(model.script_id, model.name, model.checksum, model.start,
                  model.end).where(model.deleted.is_(None))
        .order_by(model.id))
    return [RatingScript(*row) for row in rows]


@db_api.context_manager.reader
def script_texts(context, checksums):
    """``{checksum: data}`` for the given checksums (one query)."""
    if not checksums:
        return {}
    rows = context.session.execute(
        sa.select(models.PyScript.checksum, models.PyScript.data).where(
            models.PyScript.checksum.in_(sorted(set(checksums)))))
    return {row[0]: row[1] for row in rows}
