#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

static void *oom(size_t n)
{
	fprintf(stderr, "carbonation: out of memory allocating %zu bytes\n", n);
	abort();
}

void *carb_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	return p ? p : oom(n);
}

void *carb_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	return p ? p : oom(n * size);
}

void *carb_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	return q ? q : oom(n);
}

char *carb_xstrdup(const char *s)
{
	return carb_xstrndup(s, strlen(s));
}

char *carb_xstrndup(const char *s, size_t n)
{
	char *p = carb_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *carb_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? oom(0) : s;
}
