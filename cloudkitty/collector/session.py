"""keystoneauth sessions for the collectors and fetchers that call
OpenStack services (Ceilometer, Gnocchi with Keystone, Keystone itself).

Each such plugin has its own option group holding the standard
keystoneauth session and auth options (``auth_type``, ``auth_url``,
``username``..., ``cafile``, ``insecure``, ``timeout``...), so that it can
use its own credentials. Helpers here register/list those options and build
a session from them.
"""

import copy

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import loading as ks_loading

from cloudkitty import exception


def register_opts(conf, group):
    """Register keystoneauth session + auth options in ``group``."""
    ks_loading.register_session_conf_options(conf, group)
    ks_loading.register_auth_conf_options(conf, group)


def list_opts():
    """keystoneauth options for the sample file (session options, the
    auth plugin choice and the ``password`` plugin's options)."""
    opts = copy.deepcopy(ks_loading.get_session_conf_options())
    opts += copy.deepcopy(ks_loading.get_auth_common_conf_options())
    names = {opt.dest for opt in opts}
    opts += [opt for opt in copy.deepcopy(
        ks_loading.get_auth_plugin_conf_options('password'))
        if opt.dest not in names]
    return opts


def load_session(conf, group):
    """A keystoneauth Session configured by ``[group]``.

    :raises exception.ConfigError: no or invalid ``auth_type``/options.
    """
    try:
        auth = ks_loading.load_auth_from_conf_options(conf, group)
    except ks_exc.MissingRequiredOptions as err:
        raise exception.ConfigError(
            group=group, option=err.options[0].dest,
            reason='required by the auth plugin')
    except (ks_exc.NoMatchingPlugin, ks_exc.AuthPluginException) as err:
        raise exception.ConfigError(group=group, option='auth_type',
                                    reason=str(err))
    if auth is None:
        raise exception.ConfigError(group=group, option='auth_type',
                                    reason='must be set (e.g. password, '
                                           'admin_token or none)')
    return ks_loading.load_session_from_conf_options(conf, group, auth=auth)
