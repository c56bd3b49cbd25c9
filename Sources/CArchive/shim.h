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
