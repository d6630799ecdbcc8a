"""cloudkitty-writer: export rated data to files, one per scope.

``cloudkitty-writer --config-file F --format {csv,jsonl,focus} --begin ISO
--end ISO [--scope ID ...] --output DIR`` reads the service's storage (the
v1 report window: a point counts when its whole period lies in
``[begin, end]``) and writes ``DIR/cloudkitty-<scope>-<begin>-<end>.<ext>``
for each scope (default: every scope with rated data in the window). Rows
are streamed from the database in chunks and written as they come.
"""

import os
import sys

from oslo_config import cfg

from cloudkitty import cmd
from cloudkitty import context as ck_context
from cloudkitty.db import api as db_api
from cloudkitty import exception
from cloudkitty import export
from cloudkitty.export import formats
from cloudkitty import service
from cloudkitty import storage
from cloudkitty.storage import window as st_window

CLI_OPTS = [
    cfg.StrOpt('format', default='csv',
               help='Export format: csv, jsonl or focus.'),
    cfg.StrOpt('begin', required=True, help='Window start (ISO 8601).'),
    cfg.StrOpt('end', required=True, help='Window end (ISO 8601).'),
    cfg.MultiStrOpt('scope', default=[],
                    help='Scope to export (repeatable; default: every '
                         'scope with rated data in the window).'),
    cfg.StrOpt('output', required=True, help='Output directory.'),
    cfg.StrOpt('columns',
               help='CSV columns, comma-separated (default: %s; '
                    'meta:<key> adds a groupby/metadata value).'
                    % ','.join(formats.BASE_COLUMNS)),
    cfg.StrOpt('currency', default='USD',
               help='BillingCurrency of the FOCUS layout.'),
]


def _arguments(conf):
    try:
        export.check_format(conf.format)
        columns = formats.parse_columns(conf.columns)
        begin = st_window.parse(conf.begin, '--begin')
        end = st_window.parse(conf.end, '--end')
    except exception.Invalid as err:
        raise exception.ConfigError(str(err))
    if end <= begin:
        raise exception.ConfigError('--end must be after --begin')
    if not os.path.isdir(conf.output):
        raise exception.ConfigError('--output %s: not a directory'
                                    % conf.output)
    return columns, begin, end


def write(conf, backend, context, columns, begin, end):
    """Write the files; returns ``[(path, rows)]``."""
    scopes = conf.scope or backend.tenants(context, begin, end)
    written = []
    for scope in scopes:
        path = os.path.join(conf.output,
                            export.filename(conf.format, scope, begin, end))
        count = [0]

        def points(scope=scope, count=count):
            for point in backend.iter_dataframes(context, begin, end,
                                                 scope_ids=[scope]):
                count[0] += 1
                yield point
        tmp = path + '.part'
        with open(tmp, 'w', encoding='utf-8', newline='') as out:
            for chunk in formats.render(conf.format, points(), columns,
                                        conf.currency):
                out.write(chunk)
        os.replace(tmp, path)
        written.append((path, count[0]))
    return written


def _run(conf):
    columns, begin, end = _arguments(conf)
    db_api.configure(conf)
    backend = storage.get_storage(conf)
    context = ck_context.get_admin_context()
    with cmd.database_errors('cannot read rated data'):
        written = write(conf, backend, context, columns, begin, end)
    for path, count in written:
        print('%s: %d rows' % (path, count))
    if not written:
        print('No rated data in the window.')


@cmd.one_line_errors
def main(argv=None):
    conf = cfg.ConfigOpts()
    conf.register_cli_opts(CLI_OPTS)
    conf = service.prepare_service(argv if argv is not None
                                   else sys.argv[1:], conf)
    _run(conf)


if __name__ == '__main__':
    main()
