"""storage:* rules."""

from cloudkitty.policies import base

LIST_DATA_FRAMES = 'storage:list_data_frames'

rules = [
    base.rule(LIST_DATA_FRAMES, base.PROJECT_READER_OR_ADMIN,
              'List rated data frames.',
              [('GET', '/v1/storage/dataframes')]),
]


def list_rules():
    return rules
