#ifndef CSR_ARCHIVE_H
#define CSR_ARCHIVE_H
#include <archive.h>
#include <archive_entry.h>
// The store walks unpacked root filesystems without crossing mounts: statx gives each entry's mount id
// (STATX_MNT_ID, Linux 5.8). glibc declares statx only under _GNU_SOURCE, so it is called through syscall.
#include <linux/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>
// AT_EMPTY_PATH (statx of the descriptor itself) is also _GNU_SOURCE-only; its value is Linux ABI.
#define CSR_AT_EMPTY_PATH 0x1000
static inline int csr_statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *buffer) {
    return (int)syscall(SYS_statx, dirfd, path, flags, mask, buffer);
}

// libarchive is opened on first use (dlopen, in archive_loader.c), not linked: linked, it and the
// libraries it needs (ICU, libxml2, lzma, zstd, lz4, bz2, acl, nettle) were loaded and relocated at every
// start, some 7 ms of each `run` and `--version` that never touch an archive. Each csr_archive_X calls
// libarchive's archive_X. Only the *_new functions load the library (NULL when it cannot be loaded);
// every other call takes a handle one of them returned.
/// 0 once libarchive is loaded; -1 when it cannot be (csr_archive_load_problem says why).
int csr_archive_load(void);
/// Why libarchive could not be loaded (empty while nothing went wrong).
const char *csr_archive_load_problem(void);
void csr_archive_entry_set_size(struct archive_entry *a0, la_int64_t a1);
const char *csr_archive_error_string(struct archive *a0);
void csr_archive_entry_set_filetype(struct archive_entry *a0, unsigned int a1);
struct archive_entry *csr_archive_entry_new(void);
void csr_archive_entry_free(struct archive_entry *a0);
int csr_archive_write_set_format_raw(struct archive *a0);
int csr_archive_write_set_format_pax_restricted(struct archive *a0);
int csr_archive_write_set_filter_option(struct archive *a0, const char *a1, const char *a2, const char *a3);
int csr_archive_write_open_fd(struct archive *a0, int a1);
struct archive *csr_archive_write_new(void);
int csr_archive_write_header(struct archive *a0, struct archive_entry *a1);
int csr_archive_write_free(struct archive *a0);
la_ssize_t csr_archive_write_data(struct archive *a0, const void *a1, size_t a2);
int csr_archive_write_close(struct archive *a0);
int csr_archive_write_add_filter_gzip(struct archive *a0);
int csr_archive_read_support_format_tar(struct archive *a0);
int csr_archive_read_support_format_raw(struct archive *a0);
int csr_archive_read_support_format_empty(struct archive *a0);
int csr_archive_read_support_filter_zstd(struct archive *a0);
int csr_archive_read_support_filter_gzip(struct archive *a0);
int csr_archive_read_open_filename(struct archive *a0, const char *a1, size_t a2);
int csr_archive_read_next_header(struct archive *a0, struct archive_entry **a1);
struct archive *csr_archive_read_new(void);
int csr_archive_read_free(struct archive *a0);
la_ssize_t csr_archive_read_data(struct archive *a0, void *a1, size_t a2);
la_int64_t csr_archive_filter_bytes(struct archive *a0, int a1);
la_int64_t csr_archive_entry_uid(struct archive_entry *a0);
const char *csr_archive_entry_symlink(struct archive_entry *a0);
void csr_archive_entry_set_uid(struct archive_entry *a0, la_int64_t a1);
void csr_archive_entry_set_perm(struct archive_entry *a0, mode_t a1);
void csr_archive_entry_set_mtime(struct archive_entry *a0, time_t a1, long a2);
void csr_archive_entry_set_gid(struct archive_entry *a0, la_int64_t a1);
mode_t csr_archive_entry_perm(struct archive_entry *a0);
const char *csr_archive_entry_pathname(struct archive_entry *a0);
long csr_archive_entry_mtime_nsec(struct archive_entry *a0);
int csr_archive_entry_mtime_is_set(struct archive_entry *a0);
time_t csr_archive_entry_mtime(struct archive_entry *a0);
const char *csr_archive_entry_hardlink(struct archive_entry *a0);
la_int64_t csr_archive_entry_gid(struct archive_entry *a0);
mode_t csr_archive_entry_filetype(struct archive_entry *a0);
void csr_archive_entry_copy_symlink(struct archive_entry *a0, const char *a1);
void csr_archive_entry_copy_pathname(struct archive_entry *a0, const char *a1);
void csr_archive_entry_copy_hardlink(struct archive_entry *a0, const char *a1);
#endif
