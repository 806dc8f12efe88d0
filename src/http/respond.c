/* Responses: every body goes out through here, with the headers every
 * answer carries (nothing cached, no content sniffing). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_internal.h"

enum MHD_Result carb_http_send(struct MHD_Connection *c, unsigned status,
			       const char *type, char *body, size_t len)
{
	struct MHD_Response *res;
	enum MHD_Result rc;

	res = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (res == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(res, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(res, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(res, "X-Content-Type-Options", "nosniff");
	rc = MHD_queue_response(c, status, res);
	MHD_destroy_response(res);
	return rc;
}

enum MHD_Result carb_http_send_json(struct MHD_Connection *c, unsigned status,
				    json_t *obj)
{
	char *text = obj ? json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;

	json_decref(obj);
	if (text == NULL)
		return MHD_NO;
	return carb_http_send(c, status, "application/json", text, strlen(text));
}

enum MHD_Result carb_http_send_error(struct MHD_Connection *c, unsigned status,
				     const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return carb_http_send_json(c, status,
				   json_pack("{s:s%}", "error", msg,
					     strnlen(msg, sizeof(msg))));
}

json_t *carb_http_json_time(int64_t us)
{
	struct carb_buf b;
	json_t *j;

	if (us == 0)
		return json_null();
	carb_buf_init(&b);
	carb_buf_add_timestamp(&b, us);
	j = json_stringn(b.data, b.len);
	carb_buf_release(&b);
	return j;
}
