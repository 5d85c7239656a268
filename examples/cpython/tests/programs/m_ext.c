/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* The smallest extension module; EXT_NAME names it (default m_ext). With
   EXT_DEPENDS it needs dep() from a library of its own (libdep.so). */
#include <Python.h>

#ifndef EXT_NAME
#  define EXT_NAME m_ext
#endif
#define STRING(x) STRING_(x)
#define STRING_(x) #x
#define INIT(x) INIT_(x)
#define INIT_(x) PyInit_##x

#ifdef EXT_DEPENDS
int dep(void);
#endif

static PyObject *
name(PyObject *self, PyObject *unused)
{
#ifdef EXT_DEPENDS
    if (dep() != 42) {
        return NULL;
    }
#endif
    return PyUnicode_FromString(STRING(EXT_NAME));
}

static PyMethodDef methods[] = {
    {"name", name, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, STRING(EXT_NAME), NULL, -1, methods,
};

PyMODINIT_FUNC
INIT(EXT_NAME)(void)
{
    return PyModule_Create(&module);
}
