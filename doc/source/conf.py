"""Sphinx configuration of the CloudKitty documentation.

The build must work with nothing but PyPI: no intersphinx inventories, no
graphviz, no theme fetched at build time. The configuration and policy
references are generated from the code by the oslo.config and oslo.policy
extensions, so they cannot drift from what the services accept.
"""

import logging
import os
import sys

# NOTE(ck): the extensions import cloudkitty through its entry points, so the
# package must be installed (tools/build-docs.sh does it); the path insert only
# helps autodoc-style imports from a plain checkout.
sys.path.insert(0, os.path.abspath(os.path.join(__file__, '..', '..', '..')))

project = 'CloudKitty'
copyright = 'CloudKitty developers'
author = 'CloudKitty developers'

extensions = [
    # [group] option reference from the oslo.config.opts entry points.
    'oslo_config.sphinxext',
    # Writes _static/cloudkitty.conf.sample at build time.
    'oslo_config.sphinxconfiggen',
    # Policy rule reference from the oslo.policy.policies entry point.
    'oslo_policy.sphinxext',
    # Writes _static/cloudkitty.policy.yaml.sample at build time.
    'oslo_policy.sphinxpolicygen',
]

config_generator_config_file = '../../etc/oslo-config-generator/cloudkitty.conf'
sample_config_basename = '_static/cloudkitty'
policy_generator_config_file = '../../etc/oslo-policy-generator/cloudkitty.conf'
sample_policy_basename = '_static/cloudkitty'

source_suffix = {'.rst': 'restructuredtext'}
root_doc = 'index'
exclude_patterns = ['_build']
language = 'en'
pygments_style = 'sphinx'

# NOTE(ck): section indexes list their directory with glob toctrees so that
# a page added by another change appears without editing the index; a
# directory that has no page yet must not fail the -W build. Sphinx >= 8.1
# tags that warning toc.empty_glob, but some releases (9.0) emit it without
# a type, which suppress_warnings cannot match: setup() below filters it.
suppress_warnings = ['toc.empty_glob']

html_theme = 'alabaster'
html_theme_options = {
    'description': 'Rating as a service for OpenStack clouds',
    'fixed_sidebar': True,
}
# NOTE(ck): _static only holds the generated samples (not in git); make sure
# it exists in a fresh clone before Sphinx checks html_static_path.
os.makedirs(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         '_static'), exist_ok=True)
html_static_path = ['_static']
html_title = 'CloudKitty documentation'
html_last_updated_fmt = None


class _EmptyGlobFilter(logging.Filter):
    """Drop "toctree glob pattern ... didn't match any documents"."""

    def filter(self, record):
        return "didn't match any documents" not in str(record.msg)


def setup(app):
    # NOTE(ck): Sphinx loggers are named "sphinx.<module>"; a filter on the
    # toctree directive's logger runs before the -W handler sees the record.
    logging.getLogger('sphinx.sphinx.directives.other').addFilter(
        _EmptyGlobFilter())
