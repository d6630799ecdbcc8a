"""The PyScripts rating module with stored scripts (spec v1 §5)."""

import datetime
import decimal
import json
import os

import pytest

from cloudkitty import context as ck_context
from cloudkitty import dataframe
from cloudkitty import exception
from cloudkitty import rating
from cloudkitty.rating import pyscripts
from cloudkitty.rating.pyscripts import db as ps_db

D = decimal.Decimal
AT = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
PAST = datetime.datetime(2025, 1, 1)
DOUBLE = ('for points in data["usage"].values():\n'
          '    for p in points:\n'
          '        p["rating"]["price"] = p["vol"]["qty"] * 2\n')


def frame(qty='3', start=AT):
    return dataframe.DataFrame(start, start + datetime.timedelta(hours=1), {
        'instance': [dataframe.DataPoint('instance', D(qty), 0,
                                         {'project_id': 'p'}, {})]})


@pytest.fixture
def processor(conf):
    conf.set_override('cpu_time_limit', 0.5, group='pyscripts')
    proc = pyscripts.PyScripts(conf)
    yield proc
    proc.close()


@pytest.fixture
def ctx():
    return ck_context.get_admin_context()


def price(result):
    return [p.price for _, p in result.iterpoints()]


def test_registered_as_a_rating_module(conf):
    procs = rating.get_processors(conf)
    proc = procs['pyscripts']
    assert isinstance(proc, pyscripts.PyScripts)
    assert proc.description == 'PyScripts rating module.'
    assert proc.hot_config is True


def test_no_script_leaves_the_frame_alone(sqlite_db, processor, ctx):
    processor.reload(ctx)
    original = frame()
    assert processor.process(original, 'p', AT) is original


def test_active_scripts_run_in_storage_order(sqlite_db, processor, ctx):
    ps_db.create_script(ctx, 'zz_double', DOUBLE, start=PAST, force=True)
    ps_db.create_script(ctx, 'aa_plus_one',
                        'for p in data["usage"]["instance"]:\n'
                        '    p["rating"]["price"] += 1\n',
                        start=PAST, force=True)
    processor.reload(ctx)
    assert price(processor.process(frame(), 'p', AT)) == [D(7)]


def test_validity_window_and_soft_delete(sqlite_db, processor, ctx):
    ended = ps_db.create_script(ctx, 'ended', DOUBLE, start=PAST,
                                end=datetime.datetime(2025, 6, 1),
                                force=True)
    processor.reload(ctx)
    assert price(processor.process(frame(start=AT), 'p', AT)) == [D(0)]
    early = datetime.datetime(2025, 3, 1, tzinfo=datetime.UTC)
    assert price(processor.process(frame(start=early), 'p', early)) == [
        D(6)]
    live = ps_db.create_script(ctx, 'live', DOUBLE, start=PAST, force=True)
    processor.reload(ctx)
    assert price(processor.process(frame(), 'p', AT)) == [D(6)]
    ps_db.delete_script(ctx, live.script_id)
    ps_db.delete_script(ctx, ended.script_id)
    processor.reload(ctx)
    assert price(processor.process(frame(start=early), 'p', early)) == [
        D(0)]


def test_reload_only_when_rules_changed(sqlite_db, processor, ctx,
                                        monkeypatch):
    ps_db.create_script(ctx, 's', DOUBLE, start=PAST, force=True)
    processor.reload(ctx)
    calls = []
    monkeypatch.setattr(ps_db, 'rating_scripts',
                        lambda c: calls.append(1) or [])
    processor.reload(ctx)
    assert calls == []
    ps_db.create_script(ctx, 't', DOUBLE, start=PAST, force=True)
    processor.reload(ctx)
    assert calls == [1]


def test_failure_names_the_script(sqlite_db, processor, ctx):
    ps_db.create_script(ctx, 'fine', DOUBLE, start=PAST, force=True)
    bad = ps_db.create_script(ctx, 'broken', 'x = 1\nx = 1 / 0\n',
                              start=PAST, force=True)
    processor.reload(ctx)
    with pytest.raises(exception.RatingError) as err:
        processor.process(frame(), 'p', AT)
    assert str(err.value) == (
        'Rating module pyscripts failed: broken: ZeroDivisionError: '
        'division by zero (line 2) (script UUID: %s)' % bad.script_id)


def test_escape_and_limits_fail_the_frame_only(sqlite_db, processor, ctx):
    script = ps_db.create_script(
        ctx, 'sneaky', 'if data["usage"]["instance"][0]["vol"]["qty"] == 1:'
        '\n    while True:\n        pass\n', start=PAST, force=True)
    processor.reload(ctx)
    results = processor.process_many(
        [(frame('2'), 'p', AT), (frame('1'), 'p', AT), (frame('3'), 'p', AT)])
    assert isinstance(results[0], dataframe.DataFrame)
    assert isinstance(results[2], dataframe.DataFrame)
    assert str(results[1]) == (
        'Rating module pyscripts failed: sneaky: CPU time limit exceeded '
        '(0.5s) (script UUID: %s)' % script.script_id)
    ps_db.update_script(ctx, script.script_id, {
        'name': 'sneaky', 'end': datetime.datetime(2030, 1, 1)})
    ps_db.create_script(ctx, 'os', 'import os\n', start=PAST, force=True)
    processor.reload(ctx)
    with pytest.raises(exception.RatingError) as err:
        processor.process(frame('2'), 'p', AT)
    assert "os: SandboxViolation: line 1: import of 'os'" in str(err.value)


def test_updated_script_text_is_used(sqlite_db, processor, ctx):
    future = datetime.datetime(2999, 1, 1)
    script = ps_db.create_script(ctx, 's', DOUBLE, start=future)
    processor.reload(ctx)
    at = datetime.datetime(2999, 6, 1, tzinfo=datetime.UTC)
    assert price(processor.process(frame(start=at), 'p', at)) == [D(6)]
    ps_db.update_script(ctx, script.script_id, {
        'name': 's', 'data': DOUBLE.replace('* 2', '* 5')})
    processor.reload(ctx)
    assert price(processor.process(frame(start=at), 'p', at)) == [D(15)]


def test_forked_child_uses_its_own_workers(sqlite_db, processor, ctx):
    ps_db.create_script(ctx, 's', DOUBLE, start=PAST, force=True)
    processor.reload(ctx)
    assert price(processor.process(frame(), 'p', AT)) == [D(6)]
    parent_workers = processor._get_pool().worker_pids()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: rate, report its worker pids, exit at once
        try:
            result = price(processor.process(frame(), 'p', AT))
            pids = processor._get_pool().worker_pids()
            os.write(write_end, json.dumps(
                [[str(r) for r in result], pids]).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as reader:
        text = reader.read()
    os.waitpid(pid, 0)
    child_result, child_workers = json.loads(text)
    assert child_result == ['6']
    assert child_workers and set(child_workers).isdisjoint(parent_workers)
    assert price(processor.process(frame(), 'p', AT)) == [D(6)]


def test_periods_with_the_same_scripts_share_round_trips(sqlite_db,
                                                         processor, ctx,
                                                         monkeypatch):
    hour = datetime.timedelta(hours=1)
    ps_db.create_script(ctx, 'always', DOUBLE, start=PAST, force=True)
    ps_db.create_script(ctx, 'until_two',
                        'for p in data["usage"]["instance"]:\n'
                        '    p["rating"]["price"] += 1\n',
                        start=PAST, end=AT + 2 * hour, force=True)
    processor.reload(ctx)
    starts = [AT + n * hour for n in range(4)]
    assert processor.active_scripts(starts[0]) is processor.active_scripts(
        starts[1])
    assert len(processor.active_scripts(starts[2])) == 1
    pool = processor._get_pool()
    calls = []
    real_run = pool.run
    monkeypatch.setattr(pool, 'run', lambda scripts, frames: calls.append(
        (len(scripts), len(frames))) or real_run(scripts, frames))
    results = processor.process_many(
        [(frame(start=s), 'p', s) for s in starts])
    assert sorted(calls) == [(1, 2), (2, 2)]
    # 3 x 2, plus one while the second script is in force
    assert [price(r) for r in results] == [[D(7)], [D(7)], [D(6)], [D(6)]]


def test_scripts_in_force_memo_is_bounded(sqlite_db, processor, ctx,
                                          monkeypatch):
    hour = datetime.timedelta(hours=1)
    ps_db.create_script(ctx, 'until_five', DOUBLE, start=PAST,
                        end=AT + 5 * hour, force=True)
    processor.reload(ctx)
    monkeypatch.setattr(processor, '_MAX_ACTIVE', 4)
    counts = [len(processor.active_scripts(AT + n * hour))
              for n in range(10)]
    assert counts == [1] * 5 + [0] * 5
    assert len(processor._state.active) <= 4
    # still right once emptied, and equal lists are still one object
    assert processor.active_scripts(AT) is processor.active_scripts(
        AT + hour)
