"""Exceptions of the CloudKitty domain.

Every exception carries a ``msg_fmt`` filled from keyword arguments. None of
them knows about HTTP: the API translates the families below into status
codes in one place (``cloudkitty.api.hooks``).

* :class:`NotFound`  -> 404
* :class:`Conflict`  -> 409
* :class:`Invalid`   -> 400
* :class:`Forbidden` -> 403
* :class:`ConfigError` stops a command with a one-line message.
"""


class CloudKittyException(Exception):
    """Base class; ``msg_fmt`` is formatted with the constructor kwargs."""

    msg_fmt = 'An unknown exception occurred.'

    def __init__(self, message=None, **kwargs):
        self.kwargs = kwargs
        if message is None:
            try:
                message = self.msg_fmt % kwargs
            except (KeyError, TypeError):
                # NOTE(ck): a wrong kwarg set is a programming error, but it
                # must not hide the original problem from the operator.
                message = self.msg_fmt
        self.message = message
        super().__init__(message)

    def __str__(self):
        return self.message


class NotFound(CloudKittyException):
    msg_fmt = 'Resource not found.'


class Conflict(CloudKittyException):
    msg_fmt = 'Conflict.'


class StateConflict(CloudKittyException):
    """A scope's state is not what the writer read before rating: someone
    else (another processor, a reset) moved it meanwhile."""

    msg_fmt = ('The state of scope %(scope_id)s changed while it was being '
               'rated (expected %(expected)s): the batch is discarded')


class Invalid(CloudKittyException):
    msg_fmt = 'Invalid input.'


class Forbidden(CloudKittyException):
    msg_fmt = 'Forbidden.'


class ServiceUnavailable(CloudKittyException):
    msg_fmt = 'Service unavailable: %(reason)s'


class ConfigError(CloudKittyException):
    """A configuration value cannot be used; names the option."""

    msg_fmt = 'Invalid configuration: [%(group)s] %(option)s: %(reason)s'


class ModuleNotFound(NotFound):
    msg_fmt = 'Module not found.'


class ModuleNotConfigurable(Conflict):
    msg_fmt = 'Module is not configurable'


class RatingError(CloudKittyException):
    """A rating module failed to price a frame (nothing may be stored)."""

    msg_fmt = 'Rating module %(module)s failed: %(reason)s'
