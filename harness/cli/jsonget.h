/* SPDX-License-Identifier: GPL-2.0-only */
/* Lookups in report JSON that tolerate missing keys (a failed side has fewer). */
#ifndef VFIO_MIGRATE_JSONGET_H
#define VFIO_MIGRATE_JSONGET_H

#include <stdint.h>
#include <json-c/json.h>

static inline json_object *jget(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (!o || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static inline const char *jstr(json_object *o, const char *key, const char *dflt)
{
	json_object *v = jget(o, key);

	return v && json_object_get_type(v) != json_type_null ? json_object_get_string(v) : dflt;
}

static inline int64_t jint(json_object *o, const char *key)
{
	json_object *v = jget(o, key);

	return v ? json_object_get_int64(v) : 0;
}

static inline double jdbl(json_object *o, const char *key, double dflt)
{
	json_object *v = jget(o, key);

	return v ? json_object_get_double(v) : dflt;
}

static inline size_t jlen(json_object *a)
{
	return a && json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

#endif /* VFIO_MIGRATE_JSONGET_H */
