"""Table of the pyscripts rating module.

One row per script, soft-deleted rows included (``deleted`` set). A script
name is unique among the scripts that are not deleted: ``live_name`` holds
the name while the script is alive and NULL once deleted, and carries the
unique constraint (NULLs never collide on any backend), which keeps the
rule race-free without partial indexes (MariaDB has none).
"""

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from cloudkitty.db import models


# NOTE(ck): microseconds are kept on every backend (MariaDB's DATETIME
# drops them by default); the API shows them.
DateTime = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql')


class PyScript(models.Base):
    __tablename__ = 'pyscripts_scripts'
    __table_args__ = (
        sa.UniqueConstraint('script_id', name='uniq_pyscripts_scripts0'
                                              'script_id'),
        sa.UniqueConstraint('live_name', name='uniq_pyscripts_scripts0'
                                              'live_name'),
    )

    # NOTE(ck): the integer key gives scripts their run order (storage
    # order, spec §5.2).
    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    script_id = sa.Column(sa.String(36), nullable=False)
    name = sa.Column(sa.String(255), nullable=False)
    live_name = sa.Column(sa.String(255), nullable=True)
    data = sa.Column(sa.Text().with_variant(mysql.LONGTEXT(), 'mysql'),
                     nullable=False)
    checksum = sa.Column(sa.String(128), nullable=False)
    created_at = sa.Column(DateTime, nullable=False)
    start = sa.Column(DateTime, nullable=False)
    end = sa.Column(DateTime, nullable=True)
    description = sa.Column(sa.String(256), nullable=True)
    deleted = sa.Column(DateTime, nullable=True)
    created_by = sa.Column(sa.String(255), nullable=True)
    updated_by = sa.Column(sa.String(255), nullable=True)
    deleted_by = sa.Column(sa.String(255), nullable=True)
