/* Optional persistence: the tree saved on clean shutdown, loaded at start. */
#ifndef XS_PERSIST_H
#define XS_PERSIST_H

#include "store.h"

/* Writes the live tree to path atomically (path.tmp, then rename); 0 or -errno. */
int xs_persist_save(struct xs_store *st, const char *path);

/* Loads a tree saved by xs_persist_save into st; -ENOENT if there is no file,
 * -EINVAL if it is malformed (st is then left as it was loaded so far). */
int xs_persist_load(struct xs_store *st, const char *path);

#endif
