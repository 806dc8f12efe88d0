#include <stdlib.h>
#include <string.h>

#include "util/util.h"

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;

	return m < c ? m : c;
}

/* Edits are insertions, deletions, substitutions and swaps of two
 * neighbours (the optimal string alignment distance): "inti" is one slip
 * from "init", as a person typing sees it. */
size_t carb_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *rows = carb_xmalloc(3 * (lb + 1) * sizeof(*rows));
	size_t *back = rows, *prev = rows + lb + 1, *cur = rows + 2 * (lb + 1);
	size_t result;

	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];

			cur[j] = min3(prev[j] + 1, cur[j - 1] + 1,
				      prev[j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && back[j - 2] + 1 < cur[j])
				cur[j] = back[j - 2] + 1;
		}
		size_t *t = back;

		back = prev;
		prev = cur;
		cur = t;
	}
	result = prev[lb];
	free(rows);
	return result;
}

/* Close enough means at most a third of the word's length in edits (at
 * least one), the rule of thumb git uses for mistyped commands. */
const char *carb_suggest(const char *word, const char *const *candidates,
			 size_t n)
{
	size_t limit = strlen(word) / 3;
	const char *best = NULL;
	size_t best_d = (size_t)-1;

	if (limit < 1)
		limit = 1;
	for (size_t i = 0; i < n; i++) {
		size_t d = carb_edit_distance(word, candidates[i]);

		if (d < best_d) {
			best_d = d;
			best = candidates[i];
		}
	}
	return best_d <= limit ? best : NULL;
}
