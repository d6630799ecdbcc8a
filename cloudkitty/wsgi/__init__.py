"""WSGI entry points."""

from cloudkitty.api import app as api_app
from cloudkitty import service


def init_application(argv=None, config_files=None):
    """Parse the configuration and return the API WSGI application.

    WSGI servers pass no command line, so the configuration comes from
    ``CLOUDKITTY_CONFIG_FILE`` (default: oslo.config's search path,
    ``/etc/cloudkitty/cloudkitty.conf``).
    """
    import os
    if config_files is None and os.environ.get('CLOUDKITTY_CONFIG_FILE'):
        config_files = [os.environ['CLOUDKITTY_CONFIG_FILE']]
    conf = service.prepare_service(argv if argv is not None else [],
                                   config_files=config_files)
    return api_app.setup_app(conf)
