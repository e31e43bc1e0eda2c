/*
 * larchive.h - libarchive, loaded the first time a command needs it
 * (dynlib.h): to write an artifact or a registry bundle, to read a bundle
 * or a compressed input.  It pulls in a dozen libraries (libxml2, ICU,
 * the C++ runtime, the compressors), whose loading was two fifths of
 * every start of nlpops, and most runs -- predict, eval, drift, the
 * registry's reads -- need none of them.
 *
 * A file that includes this header calls archive_foo() as usual, through
 * the table (each name is a macro for its pointer), after
 * nlp_archive_use() has said NLP_OK.
 */
#ifndef NLP_LARCHIVE_H
#define NLP_LARCHIVE_H

#include <archive.h>
#include <archive_entry.h>

#include "dynlib.h"
#include "error.h"

#define NLP_ARCHIVE_FUNCS(X, a) \
	X(a, archive_entry_clear) X(a, archive_entry_filetype) \
	X(a, archive_entry_free) X(a, archive_entry_new) \
	X(a, archive_entry_pathname) X(a, archive_entry_set_filetype) \
	X(a, archive_entry_set_gid) X(a, archive_entry_set_gname) \
	X(a, archive_entry_set_mtime) X(a, archive_entry_set_pathname) \
	X(a, archive_entry_set_perm) X(a, archive_entry_set_size) \
	X(a, archive_entry_set_uid) X(a, archive_entry_set_uname) \
	X(a, archive_entry_size) X(a, archive_errno) \
	X(a, archive_error_string) X(a, archive_filter_bytes) \
	X(a, archive_filter_count) X(a, archive_read_data) \
	X(a, archive_read_free) X(a, archive_read_new) \
	X(a, archive_read_next_header) X(a, archive_read_open1) \
	X(a, archive_read_open_filename) \
	X(a, archive_read_set_callback_data) \
	X(a, archive_read_set_read_callback) \
	X(a, archive_read_support_filter_all) \
	X(a, archive_read_support_format_raw) \
	X(a, archive_read_support_format_tar) X(a, archive_set_error) \
	X(a, archive_version_string) X(a, archive_write_add_filter_gzip) \
	X(a, archive_write_close) X(a, archive_write_data) \
	X(a, archive_write_finish_entry) X(a, archive_write_free) \
	X(a, archive_write_header) X(a, archive_write_new) \
	X(a, archive_write_open2) X(a, archive_write_open_fd) \
	X(a, archive_write_set_bytes_in_last_block) \
	X(a, archive_write_set_bytes_per_block) \
	X(a, archive_write_set_filter_option) \
	X(a, archive_write_set_format_ustar)

struct nlp_archive_fns {
	NLP_ARCHIVE_FUNCS(NLP_DYNLIB_PTR, nlp_archive_fns)
};
extern struct nlp_archive_fns nlp_archive_fn;

/* Load libarchive once: NLP_OK, or NLP_IO with e naming it and its
 * Debian package. */
int nlp_archive_use(struct nlp_err *e);

#ifndef NLP_LARCHIVE_TABLE      /* larchive.c names the functions */
#define archive_entry_clear (*nlp_archive_fn.archive_entry_clear)
#define archive_entry_filetype (*nlp_archive_fn.archive_entry_filetype)
#define archive_entry_free (*nlp_archive_fn.archive_entry_free)
#define archive_entry_new (*nlp_archive_fn.archive_entry_new)
#define archive_entry_pathname (*nlp_archive_fn.archive_entry_pathname)
#define archive_entry_set_filetype (*nlp_archive_fn.archive_entry_set_filetype)
#define archive_entry_set_gid (*nlp_archive_fn.archive_entry_set_gid)
#define archive_entry_set_gname (*nlp_archive_fn.archive_entry_set_gname)
#define archive_entry_set_mtime (*nlp_archive_fn.archive_entry_set_mtime)
#define archive_entry_set_pathname (*nlp_archive_fn.archive_entry_set_pathname)
#define archive_entry_set_perm (*nlp_archive_fn.archive_entry_set_perm)
#define archive_entry_set_size (*nlp_archive_fn.archive_entry_set_size)
#define archive_entry_set_uid (*nlp_archive_fn.archive_entry_set_uid)
#define archive_entry_set_uname (*nlp_archive_fn.archive_entry_set_uname)
#define archive_entry_size (*nlp_archive_fn.archive_entry_size)
#define archive_errno (*nlp_archive_fn.archive_errno)
#define archive_error_string (*nlp_archive_fn.archive_error_string)
#define archive_filter_bytes (*nlp_archive_fn.archive_filter_bytes)
#define archive_filter_count (*nlp_archive_fn.archive_filter_count)
#define archive_read_data (*nlp_archive_fn.archive_read_data)
#define archive_read_free (*nlp_archive_fn.archive_read_free)
#define archive_read_new (*nlp_archive_fn.archive_read_new)
#define archive_read_next_header (*nlp_archive_fn.archive_read_next_header)
#define archive_read_open1 (*nlp_archive_fn.archive_read_open1)
#define archive_read_open_filename (*nlp_archive_fn.archive_read_open_filename)
#define archive_read_set_callback_data \
	(*nlp_archive_fn.archive_read_set_callback_data)
#define archive_read_set_read_callback \
	(*nlp_archive_fn.archive_read_set_read_callback)
#define archive_read_support_filter_all \
	(*nlp_archive_fn.archive_read_support_filter_all)
#define archive_read_support_format_raw \
	(*nlp_archive_fn.archive_read_support_format_raw)
#define archive_read_support_format_tar \
	(*nlp_archive_fn.archive_read_support_format_tar)
#define archive_set_error (*nlp_archive_fn.archive_set_error)
#define archive_version_string (*nlp_archive_fn.archive_version_string)
#define archive_write_add_filter_gzip \
	(*nlp_archive_fn.archive_write_add_filter_gzip)
#define archive_write_close (*nlp_archive_fn.archive_write_close)
#define archive_write_data (*nlp_archive_fn.archive_write_data)
#define archive_write_finish_entry (*nlp_archive_fn.archive_write_finish_entry)
#define archive_write_free (*nlp_archive_fn.archive_write_free)
#define archive_write_header (*nlp_archive_fn.archive_write_header)
#define archive_write_new (*nlp_archive_fn.archive_write_new)
#define archive_write_open2 (*nlp_archive_fn.archive_write_open2)
#define archive_write_open_fd (*nlp_archive_fn.archive_write_open_fd)
#define archive_write_set_bytes_in_last_block \
	(*nlp_archive_fn.archive_write_set_bytes_in_last_block)
#define archive_write_set_bytes_per_block \
	(*nlp_archive_fn.archive_write_set_bytes_per_block)
#define archive_write_set_filter_option \
	(*nlp_archive_fn.archive_write_set_filter_option)
#define archive_write_set_format_ustar \
	(*nlp_archive_fn.archive_write_set_format_ustar)

#endif

#endif
