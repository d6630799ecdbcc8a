"""PyScripts storage (spec v1 §3.5, §4.6) on every database backend."""

import datetime

import pytest

from cloudkitty import context as ck_context
from cloudkitty import exception
from cloudkitty.rating import modules
from cloudkitty.rating.pyscripts import db as ps_db
from cloudkitty.rating import validity

NOW = datetime.datetime(2026, 11, 26, 19, 14, 3, 639454)
PAST = datetime.datetime(2024, 12, 1)
FUTURE = datetime.datetime(3000, 1, 1)
GABBI_CHECKSUM = (
    '4c612e33c0e40b7bf53cf95fad47dbfbeab9dd62f9bc181a9d1c6f40a087782223c23f'
    '793e747b0466b9e6998c6ea54f4edbd20febd13edb13b55074b5ee1a5a')


@pytest.fixture
def ctx():
    return ck_context.RequestContext(user_id='alice', is_admin=True)


def test_checksum_is_sha512_of_utf8():
    assert ps_db.checksum('a = 0') == GABBI_CHECKSUM
    assert len(ps_db.checksum('é')) == 128


def test_create_and_get(db, ctx):
    script = ps_db.create_script(ctx, 'probe', 'a = 0', now=NOW)
    assert script.checksum == GABBI_CHECKSUM
    assert script.start == NOW and script.created_at == NOW
    assert script.end is None and script.deleted is None
    assert script.created_by == 'alice'
    assert script.updated_by is None and script.deleted_by is None
    assert list(script.as_dict()) == [
        'script_id', 'name', 'data', 'checksum', 'created_at', 'start',
        'end', 'description', 'deleted', 'created_by', 'updated_by',
        'deleted_by']
    assert ps_db.get_script(ctx, script.script_id) == script


def test_create_without_data_stores_empty_text(db, ctx):
    script = ps_db.create_script(ctx, 'empty', None)
    assert script.data == '' and script.checksum == ps_db.checksum('')


def test_create_name_mandatory(db, ctx):
    with pytest.raises(exception.Invalid) as err:
        ps_db.create_script(ctx, None, 'a = 1')
    assert str(err.value) == ("Invalid input for field/attribute name. "
                              "Value: 'None'. Mandatory field missing.")


def test_create_duplicate_name(db, ctx):
    first = ps_db.create_script(ctx, 'dup', 'a = 1')
    with pytest.raises(exception.Conflict) as err:
        ps_db.create_script(ctx, 'dup', 'a = 2')
    assert str(err.value) == 'Script dup already exists (UUID: %s)' % (
        first.script_id,)


def test_name_reusable_after_delete(db, ctx):
    first = ps_db.create_script(ctx, 'again', 'a = 1')
    ps_db.delete_script(ctx, first.script_id)
    second = ps_db.create_script(ctx, 'again', 'a = 2')
    assert second.script_id != first.script_id
    with pytest.raises(exception.Conflict):
        ps_db.create_script(ctx, 'again', 'a = 3')


def test_create_start_in_past_needs_force(db, ctx):
    with pytest.raises(validity.StartInPast) as err:
        ps_db.create_script(ctx, 'old', 'a = 1', start=PAST, now=NOW)
    assert str(err.value) == (
        'Cannot create a rule with start in the past. '
        'start=[2024-12-01 00:00:00] current time=[2026-11-26 '
        '19:14:03.639454].')
    script = ps_db.create_script(ctx, 'old', 'a = 1', start=PAST, force=True,
                              now=NOW)
    assert script.start == PAST


def test_create_end_before_start(db, ctx):
    with pytest.raises(validity.StartAfterEnd) as err:
        ps_db.create_script(ctx, 's', 'a = 1', start='3000-01-05',
                         end='3000-01-01', now=NOW)
    assert str(err.value) == (
        'Cannot create a rule with start after end. '
        'start=[3000-01-05 00:00:00] end=[3000-01-01 23:59:59].')


def test_create_parses_iso_strings(db, ctx):
    script = ps_db.create_script(ctx, 's', 'a = 1',
                              start='3000-01-01T10:00:00+02:00',
                              end='3000-02-01', now=NOW)
    assert script.start == datetime.datetime(3000, 1, 1, 8)
    assert script.end == datetime.datetime(3000, 2, 1, 23, 59, 59)
    with pytest.raises(exception.Invalid) as err:
        ps_db.create_script(ctx, 't', 'a = 1', start='notadate')
    assert 'field/attribute start' in str(err.value)


def test_get_unknown_and_deleted(db, ctx):
    with pytest.raises(exception.NotFound) as err:
        ps_db.get_script(ctx, 'nope')
    assert str(err.value) == 'No such script: None (UUID: nope)'
    script = ps_db.create_script(ctx, 's', 'a = 1')
    ps_db.delete_script(ctx, script.script_id, now=NOW)
    with pytest.raises(exception.NotFound):
        ps_db.get_script(ctx, script.script_id)
    with pytest.raises(exception.NotFound) as err:
        ps_db.delete_script(ctx, script.script_id)
    assert str(err.value) == 'No such script: None (UUID: %s)' % (
        script.script_id,)
    deleted, = ps_db.list_scripts(ctx, deleted=True)
    assert deleted.deleted == NOW and deleted.deleted_by == 'alice'


def test_list_order_no_data_and_filters(db, ctx):
    a = ps_db.create_script(ctx, 'a', 'x = 1', start=PAST, force=True,
                         description='Egress TIER', now=NOW)
    b = ps_db.create_script(ctx, 'b', 'x = 2', start=FUTURE, now=NOW)
    c = ps_db.create_script(ctx, 'c', 'x = 3', start=PAST,
                         end=datetime.datetime(2025, 1, 1), force=True,
                         now=NOW)
    other = ck_context.RequestContext(user_id='bob', is_admin=True)
    d = ps_db.create_script(other, 'd', 'x = 4', now=NOW)
    ps_db.delete_script(other, d.script_id)

    def ids(**kwargs):
        return [s.script_id for s in ps_db.list_scripts(ctx, **kwargs)]

    assert ids() == [a.script_id, b.script_id, c.script_id]
    assert ids(deleted=True) == [a.script_id, b.script_id, c.script_id,
                                 d.script_id]
    listed = ps_db.list_scripts(ctx, no_data=True)
    assert all('data' not in s.as_dict(no_data=True) for s in listed)
    assert ids(description='tier') == [a.script_id]
    assert ids(start=datetime.datetime(2026, 1, 1)) == [b.script_id]
    assert ids(end=datetime.datetime(2026, 1, 1)) == [c.script_id]
    assert ids(created_by='alice') == [a.script_id, b.script_id,
                                       c.script_id]
    assert ids(created_by='bob', deleted=True) == [d.script_id]
    assert ids(deleted_by='bob', deleted=True) == [d.script_id]
    assert ids(is_active=True) == [a.script_id]
    assert ids(is_active=False) == [b.script_id, c.script_id]


def test_update_not_started_replaces_data(db, ctx):
    script = ps_db.create_script(ctx, 'fut', 'a = 1', start=FUTURE,
                              description='old', now=NOW)
    updated = ps_db.update_script(
        ctx, script.script_id,
        {'name': 'ignored', 'data': 'a = 2',
         'end': '3000-02-01', 'created_at': script.created_at,
         'script_id': script.script_id, 'deleted': None}, now=NOW)
    assert updated.name == 'fut'
    assert updated.data == 'a = 2' and updated.checksum == ps_db.checksum(
        'a = 2')
    assert updated.start == FUTURE
    assert updated.end == datetime.datetime(3000, 2, 1, 23, 59, 59)
    assert updated.description is None
    assert updated.updated_by == 'alice'
    assert ps_db.get_script(ctx, script.script_id) == updated


def test_update_not_started_rejects_past_start(db, ctx):
    script = ps_db.create_script(ctx, 'fut', 'a = 1', start=FUTURE, now=NOW)
    with pytest.raises(validity.StartInPast):
        ps_db.update_script(ctx, script.script_id,
                         {'name': 'fut', 'start': PAST}, now=NOW)


def test_update_running_only_end(db, ctx):
    script = ps_db.create_script(ctx, 'run', 'a = 1', start=PAST, force=True,
                              now=NOW)
    full = script.as_dict()
    del full['checksum']
    with pytest.raises(validity.RuleRunning) as err:
        ps_db.update_script(ctx, script.script_id,
                         dict(full, data='a = 2'), now=NOW)
    assert str(err.value).startswith(
        'You are allowed to update only the attribute [end] as this rule '
        'is already running as it started on [2024-12-01 00:00:00]')
    with pytest.raises(validity.EndInPast):
        ps_db.update_script(ctx, script.script_id,
                         dict(full, end=datetime.datetime(2025, 1, 1)),
                         now=NOW)
    # the client PUTs back everything it read, with a new end
    updated = ps_db.update_script(ctx, script.script_id,
                               dict(full, end='2030-01-01'), now=NOW)
    assert updated.end == datetime.datetime(2030, 1, 1, 23, 59, 59)
    assert updated.data == 'a = 1' and updated.updated_by == 'alice'
    with pytest.raises(validity.RuleFinished):
        ps_db.update_script(ctx, script.script_id, dict(full, end=None),
                         now=NOW)


def test_update_checks(db, ctx):
    script = ps_db.create_script(ctx, 'u', 'a = 1', start=FUTURE, now=NOW)
    with pytest.raises(exception.Invalid) as err:
        ps_db.update_script(ctx, script.script_id,
                         {'name': 'u', 'checksum': 'abc'})
    assert str(err.value) == ("Invalid input for field/attribute checksum. "
                              "Value: 'abc'. Cannot set read only field.")
    with pytest.raises(exception.Invalid) as err:
        ps_db.update_script(ctx, script.script_id, {'data': 'a = 2'})
    assert 'attribute name' in str(err.value)
    with pytest.raises(exception.NotFound) as err:
        ps_db.update_script(ctx, 'nope', {'name': 'u'})
    assert str(err.value) == 'No such script: None (UUID: nope)'


def test_every_write_bumps_the_rules_generation(db, ctx):
    before = modules.rules_generation(ctx)
    script = ps_db.create_script(ctx, 'g', 'a = 1', start=FUTURE)
    after_create = modules.rules_generation(ctx)
    ps_db.update_script(ctx, script.script_id, {'name': 'g', 'data': 'a = 2'})
    after_update = modules.rules_generation(ctx)
    ps_db.delete_script(ctx, script.script_id)
    after_delete = modules.rules_generation(ctx)
    assert before < after_create < after_update < after_delete


def test_rating_listing(db, ctx):
    a = ps_db.create_script(ctx, 'a', 'x = 1', start=PAST, force=True)
    b = ps_db.create_script(ctx, 'b', 'x = 2', start=FUTURE)
    gone = ps_db.create_script(ctx, 'c', 'x = 3', start=PAST, force=True)
    ps_db.delete_script(ctx, gone.script_id)
    listing = ps_db.rating_scripts(ctx)
    assert [s.script_id for s in listing] == [a.script_id, b.script_id]
    assert [s.is_active(NOW) for s in listing] == [True, False]
    assert ps_db.script_texts(ctx, [a.checksum, b.checksum]) == {
        a.checksum: 'x = 1', b.checksum: 'x = 2'}
