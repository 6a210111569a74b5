/* "Did you mean": the candidate closest to a misspelled word, shared by the
 * command line of every command (header only: src/cli and src/sweep are
 * separate libraries). */
#ifndef QT_COMMON_SUGGEST_H
#define QT_COMMON_SUGGEST_H

#include <string.h>

static inline int qt_edit_distance(const char *a, const char *b)
{
    int la = (int)strlen(a), lb = (int)strlen(b), row[64];
    if (la > 62 || lb > 62) return 99;
    for (int j = 0; j <= lb; j++) row[j] = j;
    for (int i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = i;
        for (int j = 1; j <= lb; j++) {
            int up = row[j], best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            diag = up;
            row[j] = best;
        }
    }
    return row[lb];
}

/* The closest of cands to word (edit distance <= 2, or the one completion
 * of an abbreviation), or NULL. */
static inline const char *qt_suggest(const char *word, const char *const *cands, int n)
{
    const char *best = NULL;
    int best_d = 3, prefixed = 0;
    size_t len = strlen(word);
    for (int i = 0; i < n && len >= 2; i++) /* an abbreviation: its one completion */
        if (!strncmp(cands[i], word, len)) best = cands[i], prefixed++;
    if (prefixed == 1) return best;
    best = NULL;
    for (int i = 0; i < n; i++) {
        int d = qt_edit_distance(word, cands[i]);
        if (d < best_d) best_d = d, best = cands[i];
    }
    return best;
}

#endif
