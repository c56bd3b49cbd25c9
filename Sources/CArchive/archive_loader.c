#include "CArchive.h"
#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

struct csr_archive_api {
    void (*entry_set_size)(struct archive_entry *, la_int64_t);
    const char * (*error_string)(struct archive *);
    void (*entry_set_filetype)(struct archive_entry *, unsigned int);
    struct archive_entry * (*entry_new)(void);
    void (*entry_free)(struct archive_entry *);
    int (*write_set_format_raw)(struct archive *);
    int (*write_set_format_pax_restricted)(struct archive *);
    int (*write_set_filter_option)(struct archive *, const char *, const char *, const char *);
    int (*write_open_fd)(struct archive *, int);
    struct archive * (*write_new)(void);
    int (*write_header)(struct archive *, struct archive_entry *);
    int (*write_free)(struct archive *);
    la_ssize_t (*write_data)(struct archive *, const void *, size_t);
    int (*write_close)(struct archive *);
    int (*write_add_filter_gzip)(struct archive *);
    int (*read_support_format_tar)(struct archive *);
    int (*read_support_format_raw)(struct archive *);
    int (*read_support_format_empty)(struct archive *);
    int (*read_support_filter_zstd)(struct archive *);
    int (*read_support_filter_gzip)(struct archive *);
    int (*read_open_filename)(struct archive *, const char *, size_t);
    int (*read_next_header)(struct archive *, struct archive_entry **);
    struct archive * (*read_new)(void);
    int (*read_free)(struct archive *);
    la_ssize_t (*read_data)(struct archive *, void *, size_t);
    la_int64_t (*filter_bytes)(struct archive *, int);
    la_int64_t (*entry_uid)(struct archive_entry *);
    const char * (*entry_symlink)(struct archive_entry *);
    void (*entry_set_uid)(struct archive_entry *, la_int64_t);
    void (*entry_set_perm)(struct archive_entry *, mode_t);
    void (*entry_set_mtime)(struct archive_entry *, time_t, long);
    void (*entry_set_gid)(struct archive_entry *, la_int64_t);
    mode_t (*entry_perm)(struct archive_entry *);
    const char * (*entry_pathname)(struct archive_entry *);
    long (*entry_mtime_nsec)(struct archive_entry *);
    int (*entry_mtime_is_set)(struct archive_entry *);
    time_t (*entry_mtime)(struct archive_entry *);
    const char * (*entry_hardlink)(struct archive_entry *);
    la_int64_t (*entry_gid)(struct archive_entry *);
    mode_t (*entry_filetype)(struct archive_entry *);
    void (*entry_copy_symlink)(struct archive_entry *, const char *);
    void (*entry_copy_pathname)(struct archive_entry *, const char *);
    void (*entry_copy_hardlink)(struct archive_entry *, const char *);
};

static struct csr_archive_api csr_archive;
static char csr_archive_problem[256];
static pthread_once_t csr_archive_once = PTHREAD_ONCE_INIT;

static void csr_archive_open(void) {
    void *library = dlopen("libarchive.so.13", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *reason = dlerror();
        strncpy(csr_archive_problem, reason != NULL ? reason : "dlopen failed", sizeof csr_archive_problem - 1);
        return;
    }
    struct csr_archive_api api;
    if ((*(void **)&api.entry_set_size = dlsym(library, "archive_entry_set_size")) == NULL) goto missing;
    if ((*(void **)&api.error_string = dlsym(library, "archive_error_string")) == NULL) goto missing;
    if ((*(void **)&api.entry_set_filetype = dlsym(library, "archive_entry_set_filetype")) == NULL) goto missing;
    if ((*(void **)&api.entry_new = dlsym(library, "archive_entry_new")) == NULL) goto missing;
    if ((*(void **)&api.entry_free = dlsym(library, "archive_entry_free")) == NULL) goto missing;
    if ((*(void **)&api.write_set_format_raw = dlsym(library, "archive_write_set_format_raw")) == NULL) goto missing;
    if ((*(void **)&api.write_set_format_pax_restricted = dlsym(library, "archive_write_set_format_pax_restricted")) == NULL) goto missing;
    if ((*(void **)&api.write_set_filter_option = dlsym(library, "archive_write_set_filter_option")) == NULL) goto missing;
    if ((*(void **)&api.write_open_fd = dlsym(library, "archive_write_open_fd")) == NULL) goto missing;
    if ((*(void **)&api.write_new = dlsym(library, "archive_write_new")) == NULL) goto missing;
    if ((*(void **)&api.write_header = dlsym(library, "archive_write_header")) == NULL) goto missing;
    if ((*(void **)&api.write_free = dlsym(library, "archive_write_free")) == NULL) goto missing;
    if ((*(void **)&api.write_data = dlsym(library, "archive_write_data")) == NULL) goto missing;
    if ((*(void **)&api.write_close = dlsym(library, "archive_write_close")) == NULL) goto missing;
    if ((*(void **)&api.write_add_filter_gzip = dlsym(library, "archive_write_add_filter_gzip")) == NULL) goto missing;
    if ((*(void **)&api.read_support_format_tar = dlsym(library, "archive_read_support_format_tar")) == NULL) goto missing;
    if ((*(void **)&api.read_support_format_raw = dlsym(library, "archive_read_support_format_raw")) == NULL) goto missing;
    if ((*(void **)&api.read_support_format_empty = dlsym(library, "archive_read_support_format_empty")) == NULL) goto missing;
    if ((*(void **)&api.read_support_filter_zstd = dlsym(library, "archive_read_support_filter_zstd")) == NULL) goto missing;
    if ((*(void **)&api.read_support_filter_gzip = dlsym(library, "archive_read_support_filter_gzip")) == NULL) goto missing;
    if ((*(void **)&api.read_open_filename = dlsym(library, "archive_read_open_filename")) == NULL) goto missing;
    if ((*(void **)&api.read_next_header = dlsym(library, "archive_read_next_header")) == NULL) goto missing;
    if ((*(void **)&api.read_new = dlsym(library, "archive_read_new")) == NULL) goto missing;
    if ((*(void **)&api.read_free = dlsym(library, "archive_read_free")) == NULL) goto missing;
    if ((*(void **)&api.read_data = dlsym(library, "archive_read_data")) == NULL) goto missing;
    if ((*(void **)&api.filter_bytes = dlsym(library, "archive_filter_bytes")) == NULL) goto missing;
    if ((*(void **)&api.entry_uid = dlsym(library, "archive_entry_uid")) == NULL) goto missing;
    if ((*(void **)&api.entry_symlink = dlsym(library, "archive_entry_symlink")) == NULL) goto missing;
    if ((*(void **)&api.entry_set_uid = dlsym(library, "archive_entry_set_uid")) == NULL) goto missing;
    if ((*(void **)&api.entry_set_perm = dlsym(library, "archive_entry_set_perm")) == NULL) goto missing;
    if ((*(void **)&api.entry_set_mtime = dlsym(library, "archive_entry_set_mtime")) == NULL) goto missing;
    if ((*(void **)&api.entry_set_gid = dlsym(library, "archive_entry_set_gid")) == NULL) goto missing;
    if ((*(void **)&api.entry_perm = dlsym(library, "archive_entry_perm")) == NULL) goto missing;
    if ((*(void **)&api.entry_pathname = dlsym(library, "archive_entry_pathname")) == NULL) goto missing;
    if ((*(void **)&api.entry_mtime_nsec = dlsym(library, "archive_entry_mtime_nsec")) == NULL) goto missing;
    if ((*(void **)&api.entry_mtime_is_set = dlsym(library, "archive_entry_mtime_is_set")) == NULL) goto missing;
    if ((*(void **)&api.entry_mtime = dlsym(library, "archive_entry_mtime")) == NULL) goto missing;
    if ((*(void **)&api.entry_hardlink = dlsym(library, "archive_entry_hardlink")) == NULL) goto missing;
    if ((*(void **)&api.entry_gid = dlsym(library, "archive_entry_gid")) == NULL) goto missing;
    if ((*(void **)&api.entry_filetype = dlsym(library, "archive_entry_filetype")) == NULL) goto missing;
    if ((*(void **)&api.entry_copy_symlink = dlsym(library, "archive_entry_copy_symlink")) == NULL) goto missing;
    if ((*(void **)&api.entry_copy_pathname = dlsym(library, "archive_entry_copy_pathname")) == NULL) goto missing;
    if ((*(void **)&api.entry_copy_hardlink = dlsym(library, "archive_entry_copy_hardlink")) == NULL) goto missing;
    csr_archive = api;
    return;
missing:
    strncpy(csr_archive_problem, "libarchive.so.13 lacks a function securerun needs (libarchive 3.4 or later)", sizeof csr_archive_problem - 1);
}

// 0 once libarchive is loaded; -1 when it cannot be (``csr_archive_load_problem`` says why).
int csr_archive_load(void) {
    pthread_once(&csr_archive_once, csr_archive_open);
    return csr_archive.read_new != NULL ? 0 : -1;
}

// Why libarchive could not be loaded (empty while nothing went wrong).
const char *csr_archive_load_problem(void) { return csr_archive_problem; }

void csr_archive_entry_set_size(struct archive_entry *a0, la_int64_t a1) { csr_archive.entry_set_size(a0, a1); }
const char *csr_archive_error_string(struct archive *a0) { return csr_archive.error_string(a0); }
void csr_archive_entry_set_filetype(struct archive_entry *a0, unsigned int a1) { csr_archive.entry_set_filetype(a0, a1); }
struct archive_entry *csr_archive_entry_new(void) { return csr_archive_load() == 0 ? csr_archive.entry_new() : NULL; }
void csr_archive_entry_free(struct archive_entry *a0) { csr_archive.entry_free(a0); }
int csr_archive_write_set_format_raw(struct archive *a0) { return csr_archive.write_set_format_raw(a0); }
int csr_archive_write_set_format_pax_restricted(struct archive *a0) { return csr_archive.write_set_format_pax_restricted(a0); }
int csr_archive_write_set_filter_option(struct archive *a0, const char *a1, const char *a2, const char *a3) { return csr_archive.write_set_filter_option(a0, a1, a2, a3); }
int csr_archive_write_open_fd(struct archive *a0, int a1) { return csr_archive.write_open_fd(a0, a1); }
struct archive *csr_archive_write_new(void) { return csr_archive_load() == 0 ? csr_archive.write_new() : NULL; }
int csr_archive_write_header(struct archive *a0, struct archive_entry *a1) { return csr_archive.write_header(a0, a1); }
int csr_archive_write_free(struct archive *a0) { return csr_archive.write_free(a0); }
la_ssize_t csr_archive_write_data(struct archive *a0, const void *a1, size_t a2) { return csr_archive.write_data(a0, a1, a2); }
int csr_archive_write_close(struct archive *a0) { return csr_archive.write_close(a0); }
int csr_archive_write_add_filter_gzip(struct archive *a0) { return csr_archive.write_add_filter_gzip(a0); }
int csr_archive_read_support_format_tar(struct archive *a0) { return csr_archive.read_support_format_tar(a0); }
int csr_archive_read_support_format_raw(struct archive *a0) { return csr_archive.read_support_format_raw(a0); }
int csr_archive_read_support_format_empty(struct archive *a0) { return csr_archive.read_support_format_empty(a0); }
int csr_archive_read_support_filter_zstd(struct archive *a0) { return csr_archive.read_support_filter_zstd(a0); }
int csr_archive_read_support_filter_gzip(struct archive *a0) { return csr_archive.read_support_filter_gzip(a0); }
int csr_archive_read_open_filename(struct archive *a0, const char *a1, size_t a2) { return csr_archive.read_open_filename(a0, a1, a2); }
int csr_archive_read_next_header(struct archive *a0, struct archive_entry **a1) { return csr_archive.read_next_header(a0, a1); }
struct archive *csr_archive_read_new(void) { return csr_archive_load() == 0 ? csr_archive.read_new() : NULL; }
int csr_archive_read_free(struct archive *a0) { return csr_archive.read_free(a0); }
la_ssize_t csr_archive_read_data(struct archive *a0, void *a1, size_t a2) { return csr_archive.read_data(a0, a1, a2); }
la_int64_t csr_archive_filter_bytes(struct archive *a0, int a1) { return csr_archive.filter_bytes(a0, a1); }
la_int64_t csr_archive_entry_uid(struct archive_entry *a0) { return csr_archive.entry_uid(a0); }
const char *csr_archive_entry_symlink(struct archive_entry *a0) { return csr_archive.entry_symlink(a0); }
void csr_archive_entry_set_uid(struct archive_entry *a0, la_int64_t a1) { csr_archive.entry_set_uid(a0, a1); }
void csr_archive_entry_set_perm(struct archive_entry *a0, mode_t a1) { csr_archive.entry_set_perm(a0, a1); }
void csr_archive_entry_set_mtime(struct archive_entry *a0, time_t a1, long a2) { csr_archive.entry_set_mtime(a0, a1, a2); }
void csr_archive_entry_set_gid(struct archive_entry *a0, la_int64_t a1) { csr_archive.entry_set_gid(a0, a1); }
mode_t csr_archive_entry_perm(struct archive_entry *a0) { return csr_archive.entry_perm(a0); }
const char *csr_archive_entry_pathname(struct archive_entry *a0) { return csr_archive.entry_pathname(a0); }
long csr_archive_entry_mtime_nsec(struct archive_entry *a0) { return csr_archive.entry_mtime_nsec(a0); }
int csr_archive_entry_mtime_is_set(struct archive_entry *a0) { return csr_archive.entry_mtime_is_set(a0); }
time_t csr_archive_entry_mtime(struct archive_entry *a0) { return csr_archive.entry_mtime(a0); }
const char *csr_archive_entry_hardlink(struct archive_entry *a0) { return csr_archive.entry_hardlink(a0); }
la_int64_t csr_archive_entry_gid(struct archive_entry *a0) { return csr_archive.entry_gid(a0); }
mode_t csr_archive_entry_filetype(struct archive_entry *a0) { return csr_archive.entry_filetype(a0); }
void csr_archive_entry_copy_symlink(struct archive_entry *a0, const char *a1) { csr_archive.entry_copy_symlink(a0, a1); }
void csr_archive_entry_copy_pathname(struct archive_entry *a0, const char *a1) { csr_archive.entry_copy_pathname(a0, a1); }
void csr_archive_entry_copy_hardlink(struct archive_entry *a0, const char *a1) { csr_archive.entry_copy_hardlink(a0, a1); }
