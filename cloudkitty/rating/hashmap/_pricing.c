/*
 * The hashmap pricing loop, compiled.
 *
 * It takes the very steps of the Python loop that
 * cloudkitty/rating/hashmap/index.py generates per number of fields: that
 * loop is the reference (the tests run both on the same rules and points)
 * and the fallback when this module was not built. Nothing here knows
 * about rules: a point's field values are looked up in the service's
 * cache of pricers, a miss calls back into Python (CompiledService._miss),
 * and a pricer (levels, a, b, segments) prices the quantity as
 * a * qty (+ b) (+ the price so far), with Decimal arithmetic in the
 * thread's current decimal context, as the Python loop does.
 *
 * Only the CPython API is used; every object handed in is checked before
 * its fields are read, so a malformed point or pricer raises TypeError or
 * ValueError instead of reading memory it should not.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* The value of field `name` for a point: its groupby first, then its
 * metadata, `missing` when neither holds it (new reference). */
static PyObject *
field_value(PyObject *groupby, PyObject *metadata, PyObject *name,
            PyObject *missing)
{
    int found = PySequence_Contains(groupby, name);
    if (found < 0)
        return NULL;
    if (found)
        return PyObject_GetItem(groupby, name);
    PyObject *value = PyObject_GetItem(metadata, name);
    if (value == NULL && PyErr_ExceptionMatches(PyExc_KeyError)) {
        PyErr_Clear();
        value = Py_NewRef(missing);
    }
    return value;
}

/* bisect.bisect_right(levels, qty); -1 on error. */
static Py_ssize_t
bisect_right(PyObject *levels, PyObject *qty)
{
    Py_ssize_t lo = 0;
    Py_ssize_t hi = PySequence_Size(levels);
    if (hi < 0)
        return -1;
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        PyObject *level = PySequence_GetItem(levels, mid);
        if (level == NULL)
            return -1;
        int below = PyObject_RichCompareBool(qty, level, Py_LT);
        Py_DECREF(level);
        if (below < 0)
            return -1;
        if (below)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* The pricer for field values `values` (a tuple): from `cache` (keyed by
 * the value itself for one field, by the tuple otherwise), else what
 * `miss(values)` returns. New reference; Py_None when no rule applies. */
static PyObject *
pricer_of(PyObject *cache, PyObject *miss, PyObject *values)
{
    PyObject *key = values;
    if (PyTuple_GET_SIZE(values) == 1)
        key = PyTuple_GET_ITEM(values, 0);
    PyObject *pricer = PyDict_GetItemWithError(cache, key);
    if (pricer != NULL)
        return Py_NewRef(pricer);
    if (PyErr_Occurred()) {
        if (!PyErr_ExceptionMatches(PyExc_TypeError))
            return NULL;
        /* an unhashable value: the miss path deals with it */
        PyErr_Clear();
    }
    return PyObject_CallOneArg(miss, values);
}

/* `point` (a 6-tuple) priced by `pricer`: a new point of `point_type`
 * whose price is a * qty (+ b) (+ the point's price when not zero). */
static PyObject *
priced(PyTypeObject *point_type, PyObject *point, PyObject *pricer)
{
    if (!PyTuple_Check(pricer) || PyTuple_GET_SIZE(pricer) != 4) {
        PyErr_SetString(PyExc_TypeError,
                        "a hashmap pricer is a (levels, a, b, segments) "
                        "tuple");
        return NULL;
    }
    PyObject *levels = PyTuple_GET_ITEM(pricer, 0);
    PyObject *a = PyTuple_GET_ITEM(pricer, 1);
    PyObject *b = PyTuple_GET_ITEM(pricer, 2);
    PyObject *qty = PyTuple_GET_ITEM(point, 1);
    PyObject *so_far = PyTuple_GET_ITEM(point, 2);
    PyObject *segment = NULL;

    int tiered = PyObject_IsTrue(levels);
    if (tiered < 0)
        return NULL;
    if (tiered) {
        Py_ssize_t index = bisect_right(levels, qty);
        if (index < 0)
            return NULL;
        segment = PySequence_GetItem(PyTuple_GET_ITEM(pricer, 3), index);
        if (segment == NULL)
            return NULL;
        if (!PyTuple_Check(segment) || PyTuple_GET_SIZE(segment) != 2) {
            Py_DECREF(segment);
            PyErr_SetString(PyExc_TypeError,
                            "a hashmap price segment is an (a, b) tuple");
            return NULL;
        }
        a = PyTuple_GET_ITEM(segment, 0);
        b = PyTuple_GET_ITEM(segment, 1);
    }
    PyObject *price = PyNumber_Multiply(a, qty);
    if (price != NULL && b != Py_None)
        Py_SETREF(price, PyNumber_Add(price, b));
    Py_XDECREF(segment);
    if (price == NULL)
        return NULL;
    int add = PyObject_IsTrue(so_far);
    if (add < 0) {
        Py_DECREF(price);
        return NULL;
    }
    if (add) {
        Py_SETREF(price, PyNumber_Add(price, so_far));
        if (price == NULL)
            return NULL;
    }
    PyObject *result = point_type->tp_alloc(point_type, 6);
    if (result == NULL) {
        Py_DECREF(price);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < 6; i++) {
        PyTuple_SET_ITEM(result, i,
                         i == 2 ? price
                                : Py_NewRef(PyTuple_GET_ITEM(point, i)));
    }
    return result;
}

PyDoc_STRVAR(rate_points_doc,
"rate_points(fields, cache, miss, point_type, missing, points)\n"
"--\n"
"\n"
"The points priced, as a tuple (see the Python loop of index.py).\n"
"\n"
"fields: the names of the service's relevant fields (a tuple);\n"
"cache: field values -> pricer (a dict, filled by miss);\n"
"miss: called with the tuple of field values the cache lacks;\n"
"point_type: the tuple subclass of the points made;\n"
"missing: the value of a field no attribute holds;\n"
"points: a sequence of (unit, qty, price, groupby, metadata, description).");

static PyObject *
rate_points(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 6) {
        PyErr_Format(PyExc_TypeError,
                     "rate_points() takes 6 arguments (%zd given)", nargs);
        return NULL;
    }
    PyObject *fields = args[0];
    PyObject *cache = args[1];
    PyObject *miss = args[2];
    PyObject *type_arg = args[3];
    PyObject *missing = args[4];
    if (!PyTuple_Check(fields) || !PyDict_Check(cache)
            || !PyCallable_Check(miss) || !PyType_Check(type_arg)
            || !PyType_IsSubtype((PyTypeObject *)type_arg, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError,
                        "rate_points(fields: tuple, cache: dict, miss: "
                        "callable, point_type: tuple subclass, missing, "
                        "points)");
        return NULL;
    }
    PyTypeObject *point_type = (PyTypeObject *)type_arg;
    Py_ssize_t nfields = PyTuple_GET_SIZE(fields);
    /* a tuple: nothing called back from here can change it under us */
    PyObject *points = PySequence_Tuple(args[5]);
    if (points == NULL)
        return NULL;
    Py_ssize_t count = PyTuple_GET_SIZE(points);
    PyObject *constant = NULL;
    PyObject *out = NULL;

    if (nfields == 0) {
        /* no field: one pricer for every point */
        constant = pricer_of(cache, miss, fields);
        if (constant == NULL)
            goto error;
        if (constant == Py_None) {
            Py_DECREF(constant);
            return points;
        }
    }
    out = PyTuple_New(count);
    if (out == NULL)
        goto error;
    for (Py_ssize_t n = 0; n < count; n++) {
        PyObject *point = PyTuple_GET_ITEM(points, n);
        if (!PyTuple_Check(point) || PyTuple_GET_SIZE(point) != 6) {
            PyErr_SetString(PyExc_ValueError,
                            "a point is a (unit, qty, price, groupby, "
                            "metadata, description) tuple");
            goto error;
        }
        PyObject *pricer;
        if (constant != NULL) {
            pricer = Py_NewRef(constant);
        }
        else {
            PyObject *groupby = PyTuple_GET_ITEM(point, 3);
            PyObject *metadata = PyTuple_GET_ITEM(point, 4);
            PyObject *values = PyTuple_New(nfields);
            if (values == NULL)
                goto error;
            for (Py_ssize_t i = 0; i < nfields; i++) {
                PyObject *value = field_value(
                    groupby, metadata, PyTuple_GET_ITEM(fields, i), missing);
                if (value == NULL) {
                    Py_DECREF(values);
                    goto error;
                }
                PyTuple_SET_ITEM(values, i, value);
            }
            pricer = pricer_of(cache, miss, values);
            Py_DECREF(values);
            if (pricer == NULL)
                goto error;
        }
        PyObject *result = pricer == Py_None
            ? Py_NewRef(point) : priced(point_type, point, pricer);
        Py_DECREF(pricer);
        if (result == NULL)
            goto error;
        PyTuple_SET_ITEM(out, n, result);
    }
    Py_XDECREF(constant);
    Py_DECREF(points);
    return out;

error:
    Py_XDECREF(constant);
    Py_XDECREF(out);
    Py_DECREF(points);
    return NULL;
}

static PyMethodDef pricing_methods[] = {
    {"rate_points", (PyCFunction)(void (*)(void))rate_points, METH_FASTCALL,
     rate_points_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef pricing_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "cloudkitty.rating.hashmap._pricing",
    .m_doc = "The hashmap pricing loop in C (see index.py).",
    .m_size = 0,
    .m_methods = pricing_methods,
};

PyMODINIT_FUNC
PyInit__pricing(void)
{
    return PyModuleDef_Init(&pricing_module);
}
