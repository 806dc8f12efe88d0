#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

void carb_buf_init(struct carb_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

static void buf_reserve(struct carb_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;

	if (need <= b->cap)
		return;
	if (b->cap == 0)
		b->cap = 64;
	while (b->cap < need)
		b->cap *= 2;
	b->data = carb_xrealloc(b->data, b->cap);
}

void carb_buf_add(struct carb_buf *b, const void *data, size_t len)
{
	buf_reserve(b, len);
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void carb_buf_adds(struct carb_buf *b, const char *s)
{
	carb_buf_add(b, s, strlen(s));
}

void carb_buf_addc(struct carb_buf *b, char c)
{
	carb_buf_add(b, &c, 1);
}

void carb_buf_addf(struct carb_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *carb_buf_detach(struct carb_buf *b)
{
	char *s = b->data ? b->data : carb_xstrdup("");

	carb_buf_init(b);
	return s;
}

void carb_buf_release(struct carb_buf *b)
{
	free(b->data);
	carb_buf_init(b);
}
