/*
 * outset.h — output sets: the files of one result written all or not at all (private).
 *
 * Every dac command writes several files that belong together (atoms.csv, sites.csv,
 * summary.json, …). A run that fails half-way must not leave a mixture of new and old
 * files. An output set streams each file to a temporary in the target folder
 * (".NAME.dac-tmp.PID.XXXXXX", so the rename is atomic on the same file system), and
 * commit renames them all only when every one was written; abort removes them and the
 * previous set stays as it was. Temporaries left by a run that was killed (its PID no
 * longer alive) are removed the next time a set is made in that folder.
 *
 * A folder set keeps a manifest (".dac-set", one file name per line): files of the
 * previous set that the new one does not write (overlay_7.png of an earlier run with
 * more images) are removed on commit, so a folder always holds exactly one run's
 * results. A single-file set (dac_outset_create_file) has no manifest and touches only
 * its own file; "-" is standard output there (no atomicity possible).
 */
#ifndef DAC_CORE_OUTSET_H
#define DAC_CORE_OUTSET_H

#include <stdio.h>

typedef struct dac_outset dac_outset;

/* A set in folder dir (created with its parents when missing). */
int dac_outset_create(const char *dir, dac_outset **out);
/* A set of files written beside others in a folder dac does not own (IMAGE.tif with
 * IMAGE.json next to it): no manifest, nothing else in the folder is touched. */
int dac_outset_create_beside(const char *dir, dac_outset **out);
/* A set of one file at path; *stream is where to write it. */
int dac_outset_create_file(const char *path, dac_outset **out, FILE **stream);
/* Opens the set's file `name` (a plain file name: no '/', not hidden, not twice) and
 * gives its stream, owned by the set (do not fclose it). */
int dac_outset_open(dac_outset *set, const char *name, FILE **stream);
/* Closes every stream, checks for write errors, renames all temporaries over their
 * files, removes files of the previous set that this one does not have, and frees the
 * set. On failure nothing of the new set stays. */
int dac_outset_commit(dac_outset *set);
/* Removes the temporaries and frees the set (NULL is fine). */
void dac_outset_abort(dac_outset *set);
/* Commits when status is DAC_OK, aborts otherwise; returns the final status. */
int dac_outset_finish(dac_outset *set, int status);

const char *dac_outset_dir(const dac_outset *set);

#endif
