"""How a v2 handler is exposed: arguments, errors and JSON (v2 spec §1).

The v2 API lives in the same Pecan application as v1, with the same
domain exceptions and the same error mapping
(:func:`cloudkitty.api.expose.translate`), but its wire conventions
differ from v1's WSME ones, and clients match them:

* errors are ``{"message": "<text>"}`` (not the v1 fault body);
* query parameters arrive as lists (``{'limit': ['1']}``) and are validated
  with voluptuous schemas, so that messages carry upstream's phrases
  (``extra keys not allowed``, ``required key not provided``,
  ``length of value must be 1``, ...) in upstream's frame
  ``Invalid data '<args>' : <reason> (path: '<path>')``;
* bodies must be JSON objects sent as ``application/json`` (415 otherwise);
* numbers (qty, price, rate) are JSON numbers, rendered from the exact
  decimals (never through a float); datetimes carry ``+00:00``.

:func:`expose_v2` wraps a controller method: it validates the query string
and the body against the given schemas, calls the method with the validated
values as keyword arguments, renders what it returns (a dict/list or a WSME
object) and turns every exception into the v2 error body.
"""

import datetime
import decimal
import functools
import inspect
import json

import pecan
import pecan.util
import voluptuous
from wsme import types as wtypes
from wsme.rest import json as wsme_json

from cloudkitty.api import expose as ck_expose
from cloudkitty.api import input_checks
from cloudkitty.api import types as ck_types
from cloudkitty import exception
from cloudkitty import storage

NOT_AUTHORIZED = 'You are not authorized to perform this action'
BAD_REQUEST = ('The browser (or proxy) sent a request that this server '
               'could not understand.')
BAD_CONTENT_TYPE = ("Did not attempt to load JSON data because the request "
                    "Content-Type was not 'application/json'.")
NO_RESOURCE = 'No resource found for provided filters.'


class V2Invalid(exception.Invalid):
    """A v2 validation error, already worded."""


class Accepted:
    """Return value meaning "answer ``status`` with this body"."""

    def __init__(self, body=None, status=202):
        self.body = body
        self.status = status


def invalid_data(data, error):
    """The upstream wording of a voluptuous error."""
    path = list(error.path)
    return V2Invalid("Invalid data '%s' : %s (path: '%s')"
                     % (data, error.msg, path))


def validate(schema, data):
    """``schema(data)``; voluptuous errors become :class:`V2Invalid`."""
    try:
        return schema(data)
    except voluptuous.MultipleInvalid as err:
        raise invalid_data(data, err.errors[0])
    except voluptuous.Invalid as err:
        raise invalid_data(data, err)


# -- rendering ------------------------------------------------------------

def number(value):
    """Shortest JSON number text of a Decimal (``0.608``, ``10``)."""
    if not value.is_finite():
        raise ValueError('not a finite number: %s' % value)
    return ck_types.plain(value)


def isotime(value):
    """ISO 8601 with ``+00:00`` (seconds; fraction only when set)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return value.astimezone(datetime.UTC).isoformat()


def dumps(value):
    """JSON text of ``value``; Decimals become numbers without a float."""
    if isinstance(value, decimal.Decimal):
        return number(value)
    if isinstance(value, dict):
        return '{%s}' % ', '.join('%s: %s' % (json.dumps(str(k)), dumps(v))
                                  for k, v in value.items())
    if isinstance(value, list | tuple):
        return '[%s]' % ', '.join(dumps(v) for v in value)
    if isinstance(value, datetime.datetime):
        return json.dumps(isotime(value))
    return json.dumps(value)


def _render(result):
    if isinstance(result, wtypes.Base):
        result = wsme_json.tojson(type(result), result)
    return dumps(result)


def _routing_signature(self, *args, **kwargs):
    pass


# -- request side ---------------------------------------------------------

def query_args():
    """The query string as ``{name: [values]}`` (upstream's form)."""
    params = pecan.request.params
    return {name: params.getall(name) for name in params.keys()}


def json_body():
    """The parsed JSON body; 415/400 as upstream answers them."""
    request = pecan.request
    content_type = (request.content_type or '').split(';')[0].strip()
    if content_type != 'application/json':
        raise _Status(415, BAD_CONTENT_TYPE)
    text = request.body
    if not text or not text.strip():
        raise _Status(400, BAD_REQUEST)
    try:
        return input_checks.loads(text)
    except input_checks.BadText as err:
        raise _Status(400, 'Invalid request body: %s' % err)
    except ValueError:
        raise _Status(400, BAD_REQUEST)


class _Status(Exception):
    """An HTTP answer decided before the handler runs."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.detail = message


def context():
    return pecan.request.context


def authorize(rule, target=None):
    """Policy check; failures get the v2 message (§4)."""
    try:
        context().can(rule, target or {})
    except exception.Forbidden:
        raise exception.Forbidden(NOT_AUTHORIZED)


def get_storage():
    """The storage driver of this application (loaded once)."""
    services = pecan.request.services
    driver = services.get('storage')
    if driver is None:
        driver = services['storage'] = storage.get_storage(pecan.request.conf)
    return driver


def scope_filter():
    """``(confined, project)`` of the caller for summary/dataframes.

    Administrators see every scope (``confined`` False); anyone else only
    their token's project (``project`` None: the token has no project).
    """
    ctx = context()
    if ctx.is_admin:
        return False, None
    return True, ctx.project_id or None


def expose_v2(rule, query=None, body=None, status=200):
    """Expose a v2 handler (see the module docstring).

    :param rule: the policy rule, checked (target: the caller's project)
        before anything in the request is looked at.
    :param query: voluptuous schema of the query args (dict of lists); None
        means "no query parameter allowed".
    :param body: voluptuous schema of the JSON body; None means no body.
    :param status: success status code (a handler may return
        :class:`Accepted` to choose another one, 204 renders no body).
    """

    def decorate(func):
        # arguments the handler needs besides self: path segments first,
        # then what the body or query schema gives by name
        fcode = func.__code__
        required = fcode.co_varnames[1:fcode.co_argcount
                                     - len(func.__defaults__ or ())]

        @functools.wraps(func)
        def handler(self, *args, **kwargs):
            response = pecan.response
            try:
                # NOTE(ck): an empty trailing segment is the one trailing
                # slash we accept (v2 §1.2); anything else is unknown.
                # (pecan hands ``/modules/x//`` over as ``/modules/x``:
                # the path itself tells)
                if (any(a != '' for a in args[func.__code__.co_argcount - 1:])
                        or pecan.request.path.endswith('//')):
                    raise exception.NotFound('Not Found')
                authorize(rule, {'project_id': context().project_id})
                positional = [a for a in args if a != '']
                values = {}
                raw = query_args()
                if query is not None or raw:
                    values.update(validate(query or voluptuous.Schema({}),
                                           raw))
                if body is not None:
                    values.update(validate(body, json_body()))
                if len(positional) < len([name for name in required
                                          if name not in values]):
                    # ``/v2/rating/modules//``: the id is missing
                    raise exception.NotFound('Not Found')
                result = func(self, *positional, **values)
                code = status
                if isinstance(result, Accepted):
                    code, result = result.status, result.body
                response.status = code
                if code == 204:
                    pecan.request.pecan['content_type'] = None
                    response.content_type = None
                    return ''
                response.content_type = 'application/json'
                return _render(result)
            except Exception as error:  # noqa: B902 - mapped below
                code, message = ck_expose.translate(error)
                response.status = code
                response.content_type = 'application/json'
                return json.dumps({'message': message})

        pecan.expose(content_type='application/json')(handler)
        # NOTE(ck): Pecan routes path segments by the handler's signature;
        # give it the wrapper's (*args): arguments are parsed here.
        pecan.util._cfg(handler)['argspec'] = inspect.getfullargspec(
            _routing_signature)
        return handler

    return decorate
