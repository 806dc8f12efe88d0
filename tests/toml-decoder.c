/* A decoder for the toml-test suite: TOML on stdin, the suite's tagged
 * JSON on stdout, exit 0; or "line:col: message" on stderr, exit 1.
 *
 * The output is the interface toml-test defines for decoders: tables are
 * objects, arrays are arrays, and every scalar is
 * {"type": T, "value": "text"}, so the suite can compare values without
 * JSON's own number rules getting in the way. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/toml.h"
#include "util/util.h"

/* Reads all of f; the length is returned separately since TOML text may
 * hold NUL bytes (which the parser must then refuse, not miss). */
static char *read_all(FILE *f, size_t *len_out)
{
	struct carb_buf b;
	char chunk[65536];
	size_t n;

	carb_buf_init(&b);
	carb_buf_adds(&b, "");
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		carb_buf_add(&b, chunk, n);
	if (ferror(f)) {
		carb_buf_release(&b);
		return NULL;
	}
	*len_out = b.len;
	return carb_buf_detach(&b);
}

/* Bytes pass through as they are: the parser only hands out valid UTF-8,
 * so only what JSON forbids raw needs escaping. */
static void put_json_string(struct carb_buf *out, const char *s, size_t len)
{
	size_t i;

	carb_buf_addc(out, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"':
			carb_buf_adds(out, "\\\"");
			break;
		case '\\':
			carb_buf_adds(out, "\\\\");
			break;
		case '\b':
			carb_buf_adds(out, "\\b");
			break;
		case '\f':
			carb_buf_adds(out, "\\f");
			break;
		case '\n':
			carb_buf_adds(out, "\\n");
			break;
		case '\r':
			carb_buf_adds(out, "\\r");
			break;
		case '\t':
			carb_buf_adds(out, "\\t");
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				carb_buf_addf(out, "\\u%04x", c);
			else
				carb_buf_addc(out, (char)c);
			break;
		}
	}
	carb_buf_addc(out, '"');
}

static void put_scalar(struct carb_buf *out, const char *type,
		       const char *text, size_t len)
{
	carb_buf_adds(out, "{\"type\": ");
	put_json_string(out, type, strlen(type));
	carb_buf_adds(out, ", \"value\": ");
	put_json_string(out, text, len);
	carb_buf_addc(out, '}');
}

/* The shortest of %.15g..%.17g that reads back as the same double, so
 * 0.1 prints as "0.1" and not "0.10000000000000001". */
static void format_float(double d, char *buf, size_t size)
{
	int prec;

	if (isnan(d)) {
		snprintf(buf, size, "nan");
		return;
	}
	if (isinf(d)) {
		snprintf(buf, size, "%s", d < 0 ? "-inf" : "inf");
		return;
	}
	for (prec = 15; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	/* "1" would read as an integer to a human comparing by eye. */
	if (strpbrk(buf, ".e") == NULL)
		strncat(buf, ".0", size - strlen(buf) - 1);
}

static void put_value(struct carb_buf *out, const struct carb_toml_value *v);

static void put_table(struct carb_buf *out, const struct carb_toml_value *t)
{
	size_t i, n = carb_toml_table_count(t);

	carb_buf_addc(out, '{');
	for (i = 0; i < n; i++) {
		if (i > 0)
			carb_buf_adds(out, ", ");
		put_json_string(out, carb_toml_table_key(t, i),
				carb_toml_table_key_len(t, i));
		carb_buf_adds(out, ": ");
		put_value(out, carb_toml_table_value(t, i));
	}
	carb_buf_addc(out, '}');
}

static void put_array(struct carb_buf *out, const struct carb_toml_value *a)
{
	size_t i, n = carb_toml_array_count(a);

	carb_buf_addc(out, '[');
	for (i = 0; i < n; i++) {
		if (i > 0)
			carb_buf_adds(out, ", ");
		put_value(out, carb_toml_array_get(a, i));
	}
	carb_buf_addc(out, ']');
}

/* Recursion is safe: the parser refuses trees deeper than its own cap. */
static void put_value(struct carb_buf *out, const struct carb_toml_value *v)
{
	char buf[128];
	const char *s;
	size_t len;

	switch (carb_toml_type(v)) {
	case CARB_TOML_TABLE:
		put_table(out, v);
		return;
	case CARB_TOML_ARRAY:
		put_array(out, v);
		return;
	case CARB_TOML_STRING:
		s = carb_toml_string(v, &len);
		put_scalar(out, "string", s, len);
		return;
	case CARB_TOML_INTEGER:
		snprintf(buf, sizeof(buf), "%lld", (long long)carb_toml_int(v));
		put_scalar(out, "integer", buf, strlen(buf));
		return;
	case CARB_TOML_FLOAT:
		format_float(carb_toml_float(v), buf, sizeof(buf));
		put_scalar(out, "float", buf, strlen(buf));
		return;
	case CARB_TOML_BOOL:
		s = carb_toml_bool(v) ? "true" : "false";
		put_scalar(out, "bool", s, strlen(s));
		return;
	case CARB_TOML_DATETIME:
		s = "datetime";
		break;
	case CARB_TOML_LOCAL_DATETIME:
		s = "datetime-local";
		break;
	case CARB_TOML_LOCAL_DATE:
		s = "date-local";
		break;
	case CARB_TOML_LOCAL_TIME:
		s = "time-local";
		break;
	default:
		s = "unknown";
		break;
	}
	carb_toml_datetime_format(v, buf, sizeof(buf));
	put_scalar(out, s, buf, strlen(buf));
}

int main(void)
{
	struct carb_toml_value *root = NULL;
	struct carb_error err;
	struct carb_buf out;
	size_t len = 0;
	char *text;
	int rc = 0;

	text = read_all(stdin, &len);
	if (text == NULL) {
		fprintf(stderr, "toml-decoder: cannot read standard input\n");
		return 2;
	}
	carb_error_clear(&err);
	if (carb_toml_parse(text, len, &root, &err) != 0) {
		fprintf(stderr, "%d:%d: %s\n", err.line, err.column, err.msg);
		free(text);
		return 1;
	}
	carb_buf_init(&out);
	put_value(&out, root);
	carb_buf_addc(&out, '\n');
	if (fwrite(out.data, 1, out.len, stdout) != out.len ||
	    fflush(stdout) != 0) {
		fprintf(stderr, "toml-decoder: cannot write standard output\n");
		rc = 2;
	}
	carb_buf_release(&out);
	carb_toml_free(&root);
	free(text);
	return rc;
}
