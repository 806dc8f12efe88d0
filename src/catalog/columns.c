/* The files table's plugin columns: what the catalog has (read from each
 * dialect's dictionary), and the DDL that adds what a plugin declares, in
 * each dialect's spelling.  `db revision --autogenerate` writes the
 * migrations of all three dialects from whichever catalog it reads, so
 * the spellings are chosen by kind, not by the open connection. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/driver.h"

/* Per dialect: the table's columns (name, type, nullable) and the first
 * column of each of its indexes (index name, column name or NULL for an
 * expression), each with the table's name as the one parameter. */
struct dictionary {
	const char *columns_sql;
	const char *indexes_sql;
};

static const struct dictionary sqlite_dict = {
	"SELECT name, type, CASE WHEN \"notnull\" = 0 THEN 'YES' ELSE 'NO' END"
	" FROM pragma_table_info(?) ORDER BY cid",
	"SELECT il.name, ii.name FROM pragma_index_list(?) AS il"
	" LEFT JOIN pragma_index_info(il.name) AS ii ON ii.seqno = 0",
};

static const struct dictionary pg_dict = {
	"SELECT column_name, data_type, is_nullable"
	" FROM information_schema.columns"
	" WHERE table_schema = current_schema() AND table_name = ?"
	" ORDER BY ordinal_position",
	/* pg_indexes only has each index's definition as text; pg_index
	 * names its first column. */
	"SELECT i.relname, a.attname FROM pg_index x"
	" JOIN pg_class t ON t.oid = x.indrelid"
	" JOIN pg_class i ON i.oid = x.indexrelid"
	" LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0]"
	" WHERE t.relname = ? AND t.relnamespace ="
	" (SELECT oid FROM pg_namespace WHERE nspname = current_schema())",
};

static const struct dictionary mariadb_dict = {
	"SELECT COLUMN_NAME, DATA_TYPE, IS_NULLABLE"
	" FROM information_schema.columns"
	" WHERE table_schema = DATABASE() AND table_name = ?"
	" ORDER BY ORDINAL_POSITION",
	"SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.statistics"
	" WHERE table_schema = DATABASE() AND table_name = ? AND SEQ_IN_INDEX = 1",
};

static const struct dictionary *dictionary_of(enum carb_db_kind kind)
{
	switch (kind) {
	case CARB_DB_POSTGRESQL:
		return &pg_dict;
	case CARB_DB_MARIADB:
		return &mariadb_dict;
	case CARB_DB_SQLITE:
		break;
	}
	return &sqlite_dict;
}

static char *lower_dup(const char *s)
{
	char *out = carb_xstrdup(s != NULL ? s : "");

	for (char *p = out; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return out;
}

static int read_columns(struct carb_catalog *cat, const char *sql,
			const char *table, struct carb_table_info *out,
			struct carb_error *err)
{
	struct carb_stmt *q;
	int r;

	if (carb_stmt_preparef(cat, &q, err, sql, "t", table) < 0)
		return -1;
	while ((r = carb_stmt_step(q, err)) == CARB_STEP_ROW) {
		struct carb_table_column *c;
		const char *nullable = carb_stmt_column_text(q, 2);

		out->columns = carb_xrealloc(out->columns,
					     (out->ncolumns + 1) * sizeof(*out->columns));
		c = &out->columns[out->ncolumns++];
		c->name = carb_xstrdup(carb_stmt_column_text(q, 0) ? carb_stmt_column_text(q, 0) : "");
		c->type = lower_dup(carb_stmt_column_text(q, 1));
		c->nullable = nullable == NULL || strcmp(nullable, "NO") != 0;
		c->indexed = false;
	}
	carb_stmt_finalize(&q);
	return r < 0 ? -1 : 0;
}

static void add_index_name(struct carb_table_info *out, const char *name)
{
	for (size_t i = 0; i < out->nindexes; i++)
		if (strcmp(out->indexes[i], name) == 0)
			return;
	out->indexes = carb_xrealloc(out->indexes,
				     (out->nindexes + 1) * sizeof(*out->indexes));
	out->indexes[out->nindexes++] = carb_xstrdup(name);
}

static int read_indexes(struct carb_catalog *cat, const char *sql,
			const char *table, struct carb_table_info *out,
			struct carb_error *err)
{
	struct carb_stmt *q;
	int r;

	if (carb_stmt_preparef(cat, &q, err, sql, "t", table) < 0)
		return -1;
	while ((r = carb_stmt_step(q, err)) == CARB_STEP_ROW) {
		const char *index = carb_stmt_column_text(q, 0);
		const char *column = carb_stmt_column_text(q, 1);

		if (index != NULL)
			add_index_name(out, index);
		for (size_t i = 0; column != NULL && i < out->ncolumns; i++)
			if (strcmp(out->columns[i].name, column) == 0)
				out->columns[i].indexed = true;
	}
	carb_stmt_finalize(&q);
	return r < 0 ? -1 : 0;
}

int carb_catalog_table_info(struct carb_catalog *cat, const char *table,
			    struct carb_table_info *out, struct carb_error *err)
{
	const struct dictionary *d = dictionary_of(carb_catalog_kind(cat));

	memset(out, 0, sizeof(*out));
	if (read_columns(cat, d->columns_sql, table, out, err) < 0 ||
	    read_indexes(cat, d->indexes_sql, table, out, err) < 0)
		return -1;
	return 0;
}

void carb_table_info_release(struct carb_table_info *info)
{
	if (info == NULL)
		return;
	for (size_t i = 0; i < info->ncolumns; i++) {
		free(info->columns[i].name);
		free(info->columns[i].type);
	}
	for (size_t i = 0; i < info->nindexes; i++)
		free(info->indexes[i]);
	free(info->columns);
	free(info->indexes);
	memset(info, 0, sizeof(*info));
}

const struct carb_table_column *carb_table_info_column(
	const struct carb_table_info *info, const char *name)
{
	for (size_t i = 0; i < info->ncolumns; i++)
		if (strcmp(info->columns[i].name, name) == 0)
			return &info->columns[i];
	return NULL;
}

static bool one_of(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

/* SQLite keeps any type name and decides by its affinity rules. */
static bool sqlite_type_matches(enum carb_column_type t, const char *dbtype)
{
	bool is_int = strstr(dbtype, "int") != NULL;
	bool is_text = !is_int && (strstr(dbtype, "char") != NULL ||
				   strstr(dbtype, "clob") != NULL ||
				   strstr(dbtype, "text") != NULL);
	bool is_real = !is_int && !is_text && (strstr(dbtype, "real") != NULL ||
					       strstr(dbtype, "floa") != NULL ||
					       strstr(dbtype, "doub") != NULL);

	switch (t) {
	case CARB_COLUMN_TEXT:
		return is_text;
	case CARB_COLUMN_REAL:
		return is_real;
	case CARB_COLUMN_INTEGER:
	case CARB_COLUMN_BOOLEAN:
	case CARB_COLUMN_TIMESTAMP:
		return is_int;
	}
	return false;
}

bool carb_column_type_matches(enum carb_db_kind kind, enum carb_column_type t,
			      const char *dbtype)
{
	static const char *const pg_text[] = {
		"text", "character varying", "character", NULL,
	};
	static const char *const my_text[] = {
		"text", "tinytext", "mediumtext", "longtext", "varchar", "char", NULL,
	};

	if (kind == CARB_DB_SQLITE)
		return sqlite_type_matches(t, dbtype);
	switch (t) {
	case CARB_COLUMN_TEXT:
		return one_of(dbtype, kind == CARB_DB_POSTGRESQL ? pg_text : my_text);
	case CARB_COLUMN_INTEGER:
	case CARB_COLUMN_TIMESTAMP:
		return strcmp(dbtype, "bigint") == 0;
	case CARB_COLUMN_REAL:
		return strcmp(dbtype, kind == CARB_DB_POSTGRESQL
			      ? "double precision" : "double") == 0;
	case CARB_COLUMN_BOOLEAN:
		/* MariaDB's BOOLEAN is TINYINT(1). */
		return strcmp(dbtype, kind == CARB_DB_POSTGRESQL
			      ? "boolean" : "tinyint") == 0;
	}
	return false;
}

void carb_column_sql_type(enum carb_db_kind kind,
			  const struct carb_column_def *def,
			  struct carb_buf *out)
{
	switch (def->type) {
	case CARB_COLUMN_TEXT:
		carb_buf_adds(out, "TEXT");
		break;
	case CARB_COLUMN_INTEGER:
	case CARB_COLUMN_TIMESTAMP:
		carb_buf_adds(out, kind == CARB_DB_SQLITE ? "INTEGER" : "BIGINT");
		break;
	case CARB_COLUMN_REAL:
		carb_buf_adds(out, kind == CARB_DB_SQLITE ? "REAL"
			      : kind == CARB_DB_POSTGRESQL ? "DOUBLE PRECISION"
			      : "DOUBLE");
		break;
	case CARB_COLUMN_BOOLEAN:
		carb_buf_adds(out, kind == CARB_DB_SQLITE ? "INTEGER" : "BOOLEAN");
		break;
	}
}

static const char *default_of(enum carb_db_kind kind, enum carb_column_type t)
{
	if (t == CARB_COLUMN_TEXT)
		return "''";
	if (t == CARB_COLUMN_BOOLEAN && kind != CARB_DB_SQLITE)
		return "false";
	return "0";
}

void carb_column_ddl(enum carb_db_kind kind, const struct carb_column_def *def,
		     bool add_column, const char *index_name,
		     struct carb_buf *out)
{
	if (add_column) {
		carb_buf_addf(out, "ALTER TABLE files ADD COLUMN \"%s\" ", def->name);
		carb_column_sql_type(kind, def, out);
		if (!def->nullable)
			carb_buf_addf(out, " NOT NULL DEFAULT %s",
				      default_of(kind, def->type));
		/* SQLite has no boolean type: keep the column to 0 and 1. */
		if (kind == CARB_DB_SQLITE && def->type == CARB_COLUMN_BOOLEAN)
			carb_buf_addf(out, " CHECK (\"%s\" IN (0, 1))", def->name);
		carb_buf_adds(out, ";\n");
	}
	if (index_name != NULL) {
		carb_buf_addf(out, "CREATE INDEX \"%s\" ON files (\"%s\"", index_name,
			      def->name);
		/* MariaDB indexes a TEXT column by a prefix only: 191
		 * characters of utf8mb4 fit InnoDB's smallest key limit. */
		if (kind == CARB_DB_MARIADB && def->type == CARB_COLUMN_TEXT)
			carb_buf_adds(out, "(191)");
		carb_buf_adds(out, ");\n");
	}
}
