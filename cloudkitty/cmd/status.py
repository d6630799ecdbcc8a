"""cloudkitty-status: upgrade checks (oslo.upgradecheck)."""

import sys

from oslo_config import cfg
from oslo_upgradecheck import common_checks
from oslo_upgradecheck import upgradecheck

from cloudkitty import conf as ck_conf
from cloudkitty.db import api as db_api
from cloudkitty.db import migration


class Checks(upgradecheck.UpgradeCommands):
    """Checks an operator runs before and after an upgrade."""

    def __init__(self, conf):
        self.conf = conf

    def _check_schema(self):
        try:
            db_api.configure(self.conf)
            current = migration.version(db_api.get_engine())
        except Exception as err:  # noqa: B902 - any failure is the answer
            return upgradecheck.Result(
                upgradecheck.Code.FAILURE,
                'Cannot read the database schema version: %s' % err)
        head = migration.head()
        if current != head:
            return upgradecheck.Result(
                upgradecheck.Code.FAILURE,
                'Database schema is at %s, the code expects %s: run '
                'cloudkitty-dbsync upgrade.' % (current, head))
        return upgradecheck.Result(upgradecheck.Code.SUCCESS)

    _upgrade_checks = (
        ('Database schema', _check_schema),
        ('Policy File JSON to YAML Migration',
         (common_checks.check_policy_json, {'conf': None})),
    )

    def check(self):
        # NOTE(ck): common_checks needs the conf; bind it per instance.
        self._upgrade_checks = (
            ('Database schema', Checks._check_schema),
            ('Policy File JSON to YAML Migration',
             (common_checks.check_policy_json, {'conf': self.conf})),
        )
        return super().check()


def main(argv=None):
    conf = cfg.ConfigOpts()
    ck_conf.register_opts(conf)
    from oslo_policy import opts as policy_opts
    policy_opts.set_defaults(conf)
    return upgradecheck.main(conf, project='cloudkitty',
                             upgrade_command=Checks(conf),
                             argv=argv if argv is not None
                             else sys.argv[1:])


if __name__ == '__main__':
    sys.exit(main())
