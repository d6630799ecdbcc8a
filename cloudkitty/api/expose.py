"""``expose``: WSME typing for Pecan handlers, and the HTTP error mapping.

This replaces ``wsmeext.pecan.wsexpose`` for three reasons:

* domain exceptions (:mod:`cloudkitty.exception`) are translated to HTTP
  here, in one place: NotFound 404, Conflict 409, Invalid 400, Forbidden
  403, ServiceUnavailable 503; anything else is a 500 whose traceback is
  logged and whose body says nothing internal;
* query parameters are converted one by one, so a bad value is reported as
  ``Invalid input for field/attribute <name>. Value: '<v>'. unable to
  convert to <type>. Error: <reason>`` instead of escaping as a 500;
* identifiers may come from the path, the query string or the JSON body
  (the 2026 client sends ``PUT .../mappings/ {"mapping_id": ...}``, §1.6).
  The path wins; a different id in the body is a 400.

WSME's own messages are kept for everything else (unknown argument or
attribute, mandatory attribute, read-only attribute, invalid JSON), since
clients and upstream's tests match them.
"""

import decimal
import functools
import inspect
import logging

from oslo_db import exception as db_exc
import pecan
from sqlalchemy import exc as sqla_exc
import webob
import wsme
from wsme import api as wsme_api
from wsme import exc as wsme_exc
from wsme.rest import json as wsme_json
from wsme import types as wtypes

from cloudkitty.api import input_checks
from cloudkitty import exception

LOG = logging.getLogger(__name__)

_STATUS = (
    (exception.NotFound, 404),
    (exception.Conflict, 409),
    (exception.Invalid, 400),
    (exception.Forbidden, 403),
    (exception.ServiceUnavailable, 503),
)


def fault(status, message):
    """The JSON fault body of every error (§1.4)."""
    return {'faultcode': 'Client' if status < 500 else 'Server',
            'faultstring': message,
            'debuginfo': None}


def translate(error):
    """(status, faultstring) of an exception raised by a handler."""
    if isinstance(error, wsme_exc.ClientSideError):
        return error.code, error.faultstring
    if isinstance(error, exception.RatingError):
        # NOTE(ck): a failing rating module (a pyscript raising, §5.3) is a
        # server-side failure the caller may read about.
        return 500, str(error)
    for family, status in _STATUS:
        if isinstance(error, family):
            return status, str(error)
    out_of_range = _out_of_range(error)
    if out_of_range:
        LOG.info('Refused %s %s: %s', pecan.request.method,
                 pecan.request.path, error)
        return 400, out_of_range
    code = getattr(error, 'code', None)
    if isinstance(code, int) and 400 <= code < 500:
        return code, getattr(error, 'detail', None) or str(error)
    LOG.error('Unexpected error while serving %s %s', pecan.request.method,
              pecan.request.path, exc_info=error)
    return 500, 'Internal Server Error'


def _out_of_range(error):
    """The 400 message of an error that only a value out of range (sent by
    the client) causes, or None: date arithmetic past year 9999, a
    Decimal past its context's exponent limits, a value that does not fit
    its database column. Handlers check what they can; this is the net
    under them, so that none of these ends as a 500."""
    if isinstance(error, sqla_exc.StatementError) and not isinstance(
            error, sqla_exc.DBAPIError) and error.orig is not None:
        error = error.orig
    if isinstance(error, OverflowError):
        return 'Invalid input: value out of range (%s)' % error
    if isinstance(error, decimal.DecimalException):
        return 'Invalid input: number out of range'
    if isinstance(error, db_exc.DBDataError | sqla_exc.DataError):
        return ('Invalid input: a value does not fit its database column '
                '(too long or out of range)')
    return None


def _typename(datatype):
    if isinstance(datatype, wtypes.UserType):
        return datatype.name
    if isinstance(datatype, type):
        return datatype.__name__
    return datatype.__class__.__name__


def _convert(argdef, value):
    """Convert one path/query value; errors name the argument."""
    if value is None:
        return None
    datatype = argdef.datatype
    try:
        if isinstance(datatype, wtypes.UserType):
            return datatype.validate(datatype.frombasetype(value))
        if datatype is bool:
            return wsme_json.fromjson(bool, value)
        return wtypes.validate_value(datatype, datatype(value))
    except wsme_exc.ClientSideError:
        raise
    except Exception as err:
        raise wsme_exc.InvalidInput(
            argdef.name, value, 'unable to convert to %s. Error: %s'
            % (_typename(datatype), err))


def _from_json(argname, datatype, data):
    """WSME conversion of a JSON body; structural errors are 400s."""
    if wtypes.iscomplex(datatype) and not isinstance(data, dict):
        raise wsme_exc.InvalidInput(argname, data,
                                    'Value should be a JSON object')
    try:
        return wsme_json.fromjson(datatype, data)
    except wsme_exc.UnknownAttribute as error:
        error.add_fieldname(argname)
        raise
    except wsme_exc.ClientSideError:
        raise
    except ValueError as error:
        raise wsme_exc.InvalidInput(argname, data, error.args[0]
                                    if error.args else str(error))
    except (TypeError, AttributeError, KeyError):
        # NOTE(ck): WSME assumes well-shaped JSON (an object where a type
        # is expected); anything else is the caller's mistake.
        raise wsme_exc.InvalidInput(argname, data,
                                    'Value does not have the expected '
                                    'structure')


def _check_mandatory(obj, argname):
    """Mandatory attributes may be neither absent nor null (§1.5)."""
    for attrdef in wtypes.list_attributes(type(obj)):
        if attrdef.mandatory and getattr(obj, attrdef.key) in (
                None, wtypes.Unset):
            raise wsme_exc.InvalidInput(attrdef.name, None,
                                        'Mandatory field missing.')


def _get_args(funcdef, args, kwargs):
    request = pecan.request
    by_name = {a.name: a for a in funcdef.arguments}
    body_name = funcdef.arguments[-1].name if funcdef.body_type else None
    values = {}
    # 1. Positional values, in the handler's order: path segments first,
    # then what Pecan fills in from the query string and the defaults. An
    # empty value is skipped in place, never removed: it is the trailing
    # slash of a collection URL (``PUT .../mappings/``: no id) or an empty
    # query parameter (read again below), and removing it would shift
    # every later value into the wrong argument.
    count = len(funcdef.arguments)
    if any(a != '' for a in args[count:]):
        raise exception.NotFound('Resource not found.')
    for argdef, value in zip(funcdef.arguments, args, strict=False):
        if value != '':
            values[argdef.name] = _convert(argdef, value)
    # 2. Query string. Pecan also hands query parameters over as kwargs;
    # they are read from request.params only.
    for name in request.params.keys():
        argdef = by_name.get(name)
        if argdef is None or name == body_name:
            if funcdef.ignore_extra_args:
                continue
            raise wsme_exc.UnknownArgument(name)
        if name in values:
            # The 2026 client repeats the path id in the query string
            # (GET /v1/rating/modules/<id>?module_id=<id>).
            continue
        items = request.params.getall(name)
        values[name] = _convert(argdef, items[-1])
    # 3. JSON body.
    body = request.body
    if body and body.strip():
        content_type = request.content_type or 'application/json'
        if content_type not in wsme_json.accept_content_types:
            raise wsme_exc.ClientSideError(
                'Unknown mimetype: %s' % content_type, status_code=415)
        try:
            data = input_checks.loads(body)
        except input_checks.BadText as err:
            raise wsme_exc.ClientSideError('Invalid input: %s' % err)
        except ValueError:
            raise wsme_exc.ClientSideError(
                'Request is not in valid JSON format')
        if funcdef.body_type is not None:
            obj = _from_json(body_name, funcdef.body_type, data)
            if obj is None:
                raise wsme_exc.InvalidInput(body_name, None,
                                            'Mandatory field missing.')
            if wtypes.iscomplex(funcdef.body_type):
                _check_mandatory(obj, body_name)
            values[body_name] = obj
        else:
            if not isinstance(data, dict):
                raise wsme_exc.ClientSideError('Request must be a JSON dict')
            unknown = [name for name in data if name not in by_name]
            if unknown:
                raise wsme_exc.UnknownArgument(', '.join(unknown))
            for name, raw in data.items():
                value = _convert(by_name[name], raw)
                if name in values and values[name] != value:
                    raise wsme_exc.ClientSideError(
                        'Conflicting values for %s in the path and the '
                        'body.' % name)
                values.setdefault(name, value)
    # 4. Ids carried by the body object (PUT .../mappings/ {mapping_id}).
    if body_name and body_name in values:
        obj = values[body_name]
        for argdef in funcdef.arguments:
            attr = getattr(type(obj), argdef.name, None)
            if argdef.name == body_name or attr is None:
                continue
            body_value = getattr(obj, argdef.name, None)
            if body_value in (None, wtypes.Unset):
                continue
            if argdef.name in values and values[argdef.name] is not None:
                if str(values[argdef.name]) != str(body_value):
                    raise wsme_exc.ClientSideError(
                        'Conflicting values for %s in the path and the '
                        'body.' % argdef.name)
            else:
                values[argdef.name] = body_value
    elif body_name and body_name not in values:
        raise wsme_exc.InvalidInput(body_name, None,
                                    'Mandatory field missing.')
    for argdef in funcdef.arguments:
        if argdef.mandatory and values.get(argdef.name) is None:
            raise wsme_exc.MissingArgument(argdef.name)
    return values


def expose(*args, **kwargs):
    """Like ``wsmeext.pecan.wsexpose``: ``expose(return_type, *arg_types,
    body=None, status_code=200)``; see the module docstring for what it
    does differently.

    A handler may return :class:`wsme.api.Response` to choose the status
    code per call.
    """
    signature = wsme.signature(*args, **kwargs)

    def decorate(func):
        signature(func)
        funcdef = wsme_api.FunctionDefinition.get(func)
        funcdef.resolve_types(wtypes.registry)

        @functools.wraps(func)
        def handler(self, *args, **kwargs):
            return_type = funcdef.return_type
            try:
                values = _get_args(funcdef, args, kwargs)
                result = func(self, **values)
                if isinstance(result, webob.Response):
                    # A handler that streams builds its own response.
                    return result
                pecan.response.status = funcdef.status_code
                if isinstance(result, wsme_api.Response):
                    pecan.response.status = result.status_code
                    if result.status_code == 204:
                        return_type = None
                    elif not isinstance(result.return_type,
                                        wtypes.UnsetType):
                        return_type = result.return_type
                    result = result.obj
            except Exception as error:
                status, message = translate(error)
                pecan.response.status = status
                return fault(status, message)
            if return_type is None or pecan.response.status_int == 204:
                pecan.request.pecan['content_type'] = None
                pecan.response.content_type = None
                return ''
            return {'datatype': return_type, 'result': result}

        pecan.expose(template='wsmejson:', content_type='application/json',
                     generic=False)(handler)
        # NOTE(ck): Pecan reads the handler's argument names to route path
        # segments; give it the real function's signature (with *args so
        # that an empty trailing segment never fails routing).
        pecan.util._cfg(handler)['argspec'] = inspect.getfullargspec(func)
        handler._wsme_definition = funcdef
        return handler

    return decorate


# NOTE(ck): importing wsmeext.pecan registers the 'wsmejson' renderer with
# Pecan; our handlers use that renderer.
import wsmeext.pecan  # noqa: E402,F401
