/* POST /upload/WATCH: a browser form's upload (multipart/form-data, the
 * field "file", the part's filename as NAME).  MHD's post processor cuts
 * the body into parts as it streams in; the file part goes to disk
 * through the same steps as a PUT (upload.c), and so do the answers. */
#include <stdlib.h>
#include <string.h>

#include "http/http_internal.h"

/* MHD's buffer for a part's headers and the data between two reads. */
#define FORM_BUFFER (64 * 1024)
#define FILE_FIELD "file"

static enum MHD_Result on_part(void *cls, enum MHD_ValueKind kind,
			       const char *key, const char *filename,
			       const char *content_type,
			       const char *transfer_encoding, const char *data,
			       uint64_t off, size_t size)
{
	struct carb_http_upload *u = cls;

	(void)kind;
	(void)content_type;
	(void)transfer_encoding;
	if (u->status != 0)
		return MHD_NO;
	if (strcmp(key, FILE_FIELD) != 0)
		return MHD_YES;         /* other fields say nothing to us */
	if (off == 0 && u->have_file) {
		carb_http_upload_refuse(u, MHD_HTTP_BAD_REQUEST, "the form"
					" holds more than one \"" FILE_FIELD
					"\" field; send one file per request");
		return MHD_NO;
	}
	if (!u->have_file) {
		u->have_file = true;
		if (filename == NULL) {
			carb_http_upload_refuse(u, MHD_HTTP_BAD_REQUEST,
						"the \"" FILE_FIELD "\" field"
						" is not a file (no filename)");
			return MHD_NO;
		}
		if (carb_http_upload_name(u, filename, strlen(filename)) < 0)
			return MHD_NO;
	}
	if (size > 0 && !carb_http_upload_write(u, data, size))
		return MHD_NO;
	return u->status == 0 ? MHD_YES : MHD_NO;
}

/* The raw path's WATCH, decoded, or NULL: a form posts to the watch, the
 * file names itself. */
static char *post_watch(const char *raw)
{
	const char *p = raw + strlen("/upload/");
	size_t len = strcspn(p, "?#");
	char *w;

	if (len == 0 || memchr(p, '/', len) != NULL || memchr(p, '%', len))
		return NULL;            /* watch names need no escapes */
	w = carb_xstrndup(p, len);
	return w;
}

static enum MHD_Result post_first(struct carb_http *h,
				  struct MHD_Connection *c,
				  struct carb_http_req *r)
{
	char *watch = post_watch(r->raw_url), why[512];
	unsigned status = 0;

	r->answered = true;         /* until the upload is under way */
	if (watch == NULL)
		return carb_http_send_error(c, MHD_HTTP_NOT_FOUND, "POST"
					    " /upload/WATCH: a form posts to a"
					    " watch, its file names itself");
	r->upload = carb_http_upload_open(h, c, watch, &status, why, sizeof(why));
	free(watch);
	if (r->upload == NULL)
		return carb_http_send_error(c, status, "%s", why);
	r->upload->pp = MHD_create_post_processor(c, FORM_BUFFER, on_part,
						  r->upload);
	if (r->upload->pp == NULL)
		return carb_http_send_error(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
					    "POST /upload/WATCH takes"
					    " multipart/form-data with a \""
					    FILE_FIELD "\" field");
	r->answered = false;
	return MHD_YES;
}

enum MHD_Result carb_http_upload_post(struct carb_http *h,
				      struct MHD_Connection *c,
				      struct carb_http_req *r, const char *url,
				      const char *data, size_t *size)
{
	struct carb_http_upload *u = r->upload;
	size_t n = *size;

	(void)url;
	if (u == NULL && !r->answered)
		return post_first(h, c, r);
	*size = 0;
	if (r->answered)
		return MHD_YES;
	if (n != 0) {
		if (u->status == 0 && MHD_post_process(u->pp, data, n) != MHD_YES &&
		    u->status == 0)
			carb_http_upload_refuse(u, MHD_HTTP_BAD_REQUEST,
						"the form could not be read as"
						" multipart/form-data");
		/* after a refusal the rest is only counted, then cut off */
		if (u->status != 0)
			return carb_http_upload_write(u, data, n) ? MHD_YES : MHD_NO;
		return MHD_YES;
	}
	/* the end: the post processor hands over what it still holds */
	if (MHD_destroy_post_processor(u->pp) != MHD_YES && u->status == 0)
		carb_http_upload_refuse(u, MHD_HTTP_BAD_REQUEST, "the form"
					" ended inside a part");
	u->pp = NULL;
	if (u->status == 0 && !u->have_file)
		carb_http_upload_refuse(u, MHD_HTTP_BAD_REQUEST, "the form has"
					" no \"" FILE_FIELD "\" field");
	return carb_http_upload_finish(h, c, r);
}
