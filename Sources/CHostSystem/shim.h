// Linux calls Swift cannot make directly: variadic functions (syscall, prctl) and declarations glibc
// hides behind _GNU_SOURCE. Each wrapper returns what the call returns (-1 with errno set on failure).
#include <errno.h>
#include <fcntl.h>
#include <linux/stat.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/// statx(2) of `path` relative to `dirfd` (AT_EMPTY_PATH with "" for the descriptor itself): the mount id,
/// whether it is the root of a mount, its device and its file type bits, never following a final symlink.
static inline int sr_statx_mount(int dirfd, const char *path, int at_flags, unsigned long long *mount_id, int *is_mount_root,
                                 unsigned int *device_major, unsigned int *device_minor, unsigned int *mode) {
    struct statx info;
    long result = syscall(SYS_statx, dirfd, path, at_flags | AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_MNT_ID, &info);
    if (result != 0) return -1;
    if (!(info.stx_mask & STATX_MNT_ID)) {
        errno = ENOSYS;
        return -1;
    }
    *mount_id = info.stx_mnt_id;
    *is_mount_root = (info.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (info.stx_attributes & STATX_ATTR_MOUNT_ROOT) ? 1 : 0;
    *device_major = info.stx_dev_major;
    *device_minor = info.stx_dev_minor;
    *mode = info.stx_mode;
    return 0;
}

/// prctl(PR_SET_CHILD_SUBREAPER, 1): orphaned descendants (a container's init once runc exits) become our children.
static inline int sr_set_child_subreaper(void) { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }

/// prctl(PR_SET_PDEATHSIG, signal).
static inline int sr_set_parent_death_signal(int signal) { return prctl(PR_SET_PDEATHSIG, signal, 0, 0, 0); }

/// O_PATH, which glibc declares only under _GNU_SOURCE.
static inline int sr_o_path(void) { return 010000000; }

/// AT_EMPTY_PATH, likewise.
static inline int sr_at_empty_path(void) { return 0x1000; }

// glibc 2.34+ has it, declared only under _GNU_SOURCE.
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);

/// Closes every descriptor from `from` up in the child (so nothing securerun holds leaks into a runtime).
static inline int sr_spawn_close_from(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}

/// renameat2(..., RENAME_NOREPLACE): fails with EEXIST instead of replacing `new_path`.
static inline int sr_rename_noreplace(int old_dir, const char *old_path, int new_dir, const char *new_path) {
    return (int)syscall(SYS_renameat2, old_dir, old_path, new_dir, new_path, 1);
}

extern int pipe2(int fds[2], int flags);

/// pipe2(fds, O_CLOEXEC).
static inline int sr_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

#include <signal.h>
#include <sys/wait.h>
#include <sys/stat.h>

/// fork + exec with what posix_spawn cannot do: the child gets `death_signal` (PR_SET_PDEATHSIG) when
/// the spawning thread dies, so a runtime started by a securerun that is SIGKILLed dies with it instead of
/// finishing a container nobody owns. In the child: every signal back to its default action and unblocked,
/// fds[0..2] (-1: inherit) as stdin, stdout, stderr, everything from 3 up closed, then execve. Only
/// async-signal-safe calls run between fork and exec. Returns the pid, or -1 with errno (also errno from a
/// failed execve, reported through a close-on-exec pipe).
static inline int sr_spawn(const char *path, char *const argv[], char *const envp[], const int fds[3], int death_signal) {
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) return -1;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        int saved = errno;
        close(report[0]);
        close(report[1]);
        errno = saved;
        return -1;
    }
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        struct sigaction action;
        action.sa_handler = SIG_DFL;
        action.sa_flags = 0;
        sigemptyset(&action.sa_mask);
        for (int signal = 1; signal < 65; signal++) {
            if (signal != SIGKILL && signal != SIGSTOP) sigaction(signal, &action, NULL);
        }
        // securerun itself runs with umask 077; a runtime gets the usual 022, or the cgroup files and the
        // directories it makes in the container's root would be closed to the container's own user.
        umask(022);
        if (death_signal > 0) {
            if (prctl(PR_SET_PDEATHSIG, death_signal, 0, 0, 0) != 0 || getppid() != parent) _exit(127);
        }
        // Move the sources out of 0..2 first, so one target cannot overwrite another's source.
        int moved[3] = {-1, -1, -1};
        for (int i = 0; i < 3; i++) {
            if (fds[i] >= 0) moved[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 10);
        }
        for (int i = 0; i < 3; i++) {
            if (moved[i] >= 0 && dup2(moved[i], i) < 0) goto failed;
        }
        // Everything from 3 up goes, but the report pipe (close-on-exec: it closes if execve succeeds).
        if (report[1] > 3) syscall(SYS_close_range, 3, report[1] - 1, 0);
        syscall(SYS_close_range, report[1] + 1, ~0U, 0);
        execve(path, argv, envp);
    failed:;
        int code = errno;
        (void)!write(report[1], &code, sizeof code);
        _exit(127);
    }
    close(report[1]);
    int code = 0;
    ssize_t got;
    do {
        got = read(report[0], &code, sizeof code);
    } while (got < 0 && errno == EINTR);
    close(report[0]);
    if (got == (ssize_t)sizeof code) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        errno = code;
        return -1;
    }
    return pid;
}

#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

/// Receives one descriptor sent with SCM_RIGHTS on a connected unix socket (how runc hands over a
/// container's pty master through --console-socket). Returns it, or -1 with errno (EBADMSG when the
/// message carried no descriptor).
static inline int sr_receive_fd(int socket_fd) {
    char data[256];
    struct iovec vector = {.iov_base = data, .iov_len = sizeof data};
    union {
        struct cmsghdr header;
        char buffer[CMSG_SPACE(sizeof(int))];
    } control;
    struct msghdr message;
    memset(&message, 0, sizeof message);
    message.msg_iov = &vector;
    message.msg_iovlen = 1;
    message.msg_control = control.buffer;
    message.msg_controllen = sizeof control.buffer;
    ssize_t got;
    do {
        got = recvmsg(socket_fd, &message, MSG_CMSG_CLOEXEC);
    } while (got < 0 && errno == EINTR);
    if (got < 0) return -1;
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    if (header == NULL || header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS ||
        header->cmsg_len != CMSG_LEN(sizeof(int))) {
        errno = EBADMSG;
        return -1;
    }
    int fd;
    memcpy(&fd, CMSG_DATA(header), sizeof fd);
    return fd;
}

/// A unix-domain address for `path` in `address`; -1 with ENAMETOOLONG when it does not fit.
static inline int sr_unix_address(const char *path, struct sockaddr_un *address) {
    memset(address, 0, sizeof *address);
    address->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof address->sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(address->sun_path, path);
    return 0;
}

/// A listening unix socket bound at `path` (at most 107 bytes), close-on-exec; -1 with errno.
static inline int sr_listen_unix(const char *path) {
    struct sockaddr_un address;
    if (sr_unix_address(path, &address) != 0) return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (bind(fd, (struct sockaddr *)&address, sizeof address) != 0 || listen(fd, 1) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/// The terminal's window size (TIOCGWINSZ); -1 with errno.
static inline int sr_get_window_size(int fd, unsigned short *rows, unsigned short *columns) {
    struct winsize size;
    if (ioctl(fd, TIOCGWINSZ, &size) != 0) return -1;
    *rows = size.ws_row;
    *columns = size.ws_col;
    return 0;
}

/// Sets a terminal's window size (TIOCSWINSZ); -1 with errno.
static inline int sr_set_window_size(int fd, unsigned short rows, unsigned short columns) {
    struct winsize size;
    memset(&size, 0, sizeof size);
    size.ws_row = rows;
    size.ws_col = columns;
    return ioctl(fd, TIOCSWINSZ, &size);
}

/// setsid(2), then PR_SET_PDEATHSIG off: a monitor must outlive the command that started it.
static inline int sr_detach_session(void) {
    if (setsid() < 0) return -1;
    return prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
}

extern int accept4(int fd, struct sockaddr *address, socklen_t *length, int flags);

/// accept4(fd, NULL, NULL, SOCK_CLOEXEC).
static inline int sr_accept_cloexec(int fd) { return accept4(fd, NULL, NULL, SOCK_CLOEXEC); }

/// A connected unix stream socket to `path` (close-on-exec); -1 with errno.
static inline int sr_connect_unix(const char *path) {
    struct sockaddr_un address;
    if (sr_unix_address(path, &address) != 0) return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int result;
    do {
        result = connect(fd, (struct sockaddr *)&address, sizeof address);
    } while (result != 0 && errno == EINTR);
    if (result != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/// mount_setattr(2) on the mount at `path` and every mount beneath it (AT_RECURSIVE): sets read-only
/// (when `read_only`), nosuid and nodev. A bind of such a mount copies its flags, so whoever mounts it
/// next (runc or dockerd) cannot get a writable, setuid- or device-capable view of anything beneath.
static inline int sr_harden_mount_tree(const char *path, int read_only) {
    struct {
        unsigned long long attr_set, attr_clr, propagation, userns_fd;
    } attributes = {0, 0, 0, 0};
    attributes.attr_set = 0x00000002 | 0x00000004 | (read_only ? 0x00000001 : 0); /* NOSUID | NODEV | RDONLY */
    return (int)syscall(442 /* SYS_mount_setattr */, AT_FDCWD, path, 0x8000 /* AT_RECURSIVE */, &attributes, sizeof attributes);
}

#include <poll.h>

/// Waits (up to `timeout_ms`, -1 for ever) until process `pid` exits, through a pidfd: no polling, and
/// the pidfd names that very process even if its pid is reused. Returns 1 when it exited, 0 on timeout,
/// -1 with errno (ESRCH: no such process).
static inline int sr_wait_for_exit(int pid, int timeout_ms) {
    int fd = (int)syscall(434 /* SYS_pidfd_open */, pid, 0);
    if (fd < 0) return -1;
    struct pollfd entry = {.fd = fd, .events = POLLIN, .revents = 0};
    int result;
    do {
        result = poll(&entry, 1, timeout_ms);
    } while (result < 0 && errno == EINTR);
    int saved = errno;
    close(fd);
    errno = saved;
    return result < 0 ? -1 : (result > 0 ? 1 : 0);
}

// MARK: - user namespaces and idmapped mounts (new mount API: open_tree 428, move_mount 429, fsopen 430,
// fsconfig 431, fsmount 432, mount_setattr 442; glibc 2.36 has no wrappers for most of them)

#include <stdio.h>

/// Writes `text` to /proc/<pid>/<file> (uid_map, gid_map) in one write(2), as the kernel requires.
static inline int sr_write_proc_file(int pid, const char *file, const char *text) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", pid, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t length = strlen(text);
    ssize_t written = write(fd, text, length);
    int saved = errno;
    close(fd);
    if (written != (ssize_t)length) {
        errno = written < 0 ? saved : EIO;
        return -1;
    }
    return 0;
}

/// A user namespace with the given uid and gid maps (each "INSIDE HOST COUNT\n" lines), as an open
/// /proc/<pid>/ns/user descriptor (close-on-exec): a helper child (fork, then unshare(CLONE_NEWUSER)) lives
/// only while the maps are written and the descriptor opened, and dies with its parent (PR_SET_PDEATHSIG)
/// if securerun is killed meanwhile. The namespace lives on as long as the descriptor (or a mount idmapped
/// with it) does. Only async-signal-safe calls run in the child. Returns the descriptor, or -1 with errno.
static inline int sr_user_namespace_fd(const char *uid_map, const char *gid_map) {
    int ready[2], hold[2];
    if (pipe2(ready, O_CLOEXEC) != 0) return -1;
    if (pipe2(hold, O_CLOEXEC) != 0) {
        int saved = errno;
        close(ready[0]);
        close(ready[1]);
        errno = saved;
        return -1;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        int saved = errno;
        close(ready[0]);
        close(ready[1]);
        close(hold[0]);
        close(hold[1]);
        errno = saved;
        return -1;
    }
    if (pid == 0) {
        close(hold[1]);
        close(ready[0]);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || getppid() != parent) _exit(1);
        int code = syscall(SYS_unshare, 0x10000000 /* CLONE_NEWUSER */) == 0 ? 0 : errno;
        (void)!write(ready[1], &code, sizeof code);
        char byte;
        // Held until the parent closes its end (or dies).
        while (read(hold[0], &byte, 1) < 0 && errno == EINTR) {}
        _exit(0);
    }
    close(ready[1]);
    close(hold[0]);
    int code = EPROTO;
    ssize_t got;
    do {
        got = read(ready[0], &code, sizeof code);
    } while (got < 0 && errno == EINTR);
    close(ready[0]);
    int fd = -1;
    int saved = got == (ssize_t)sizeof code ? code : EPROTO;
    if (saved == 0) {
        if (sr_write_proc_file(pid, "uid_map", uid_map) == 0 && sr_write_proc_file(pid, "gid_map", gid_map) == 0) {
            char path[64];
            snprintf(path, sizeof path, "/proc/%d/ns/user", pid);
            fd = open(path, O_RDONLY | O_CLOEXEC);
        }
        saved = errno;
    }
    close(hold[1]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    errno = saved;
    return fd;
}

/// A detached copy (open_tree OPEN_TREE_CLONE|AT_RECURSIVE) of the mount tree at `path`, idmapped through
/// the user namespace `userns_fd` and made nosuid, nodev (and read-only when `read_only`) with
/// mount_setattr. A detached mount is in no mount table until moved somewhere. Returns its descriptor
/// (close-on-exec), or -1 with errno.
static inline int sr_open_idmapped_tree(const char *path, int userns_fd, int read_only) {
    int fd = (int)syscall(428, AT_FDCWD, path, 1 /* OPEN_TREE_CLONE */ | O_CLOEXEC | 0x8000 /* AT_RECURSIVE */);
    if (fd < 0) return -1;
    struct {
        unsigned long long attr_set, attr_clr, propagation, userns_fd;
    } attributes = {0, 0, 0, 0};
    attributes.attr_set = 0x00100000 /* MOUNT_ATTR_IDMAP */ | 0x2 /* NOSUID */ | 0x4 /* NODEV */ | (read_only ? 0x1 /* RDONLY */ : 0);
    attributes.userns_fd = (unsigned long long)userns_fd;
    if (syscall(442, fd, "", 0x1000 /* AT_EMPTY_PATH */ | 0x8000 /* AT_RECURSIVE */, &attributes, sizeof attributes) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/// Mounts an overlay at `target` whose one lower layer is the (detached) mount `lower_fd`, with
/// redirect_dir=nofollow and metacopy=off (fsopen, fsconfig "lowerdir+" by descriptor, Linux 6.13+;
/// fsmount; move_mount). The lower layer is never attached anywhere the host's mount table shows.
/// Returns 0, or -1 with errno; `*stage` says which call failed (1 fsopen, 2 fsconfig, 3 fsmount, 4 move_mount).
static inline int sr_mount_overlay_on_fd(int lower_fd, const char *upper, const char *work, const char *target, int *stage) {
    *stage = 1;
    int fs = (int)syscall(430, "overlay", 1 /* FSOPEN_CLOEXEC */);
    if (fs < 0) return -1;
    *stage = 2;
    long result = syscall(431, fs, 5 /* FSCONFIG_SET_FD */, "lowerdir+", NULL, lower_fd);
    if (result == 0) result = syscall(431, fs, 1 /* FSCONFIG_SET_STRING */, "upperdir", upper, 0);
    if (result == 0) result = syscall(431, fs, 1, "workdir", work, 0);
    if (result == 0) result = syscall(431, fs, 1, "redirect_dir", "nofollow", 0);
    if (result == 0) result = syscall(431, fs, 1, "metacopy", "off", 0);
    if (result == 0) result = syscall(431, fs, 6 /* FSCONFIG_CMD_CREATE */, NULL, NULL, 0);
    if (result != 0) {
        int saved = errno;
        close(fs);
        errno = saved;
        return -1;
    }
    *stage = 3;
    int mount_fd = (int)syscall(432, fs, 1 /* FSMOUNT_CLOEXEC */, 0);
    int saved = errno;
    close(fs);
    if (mount_fd < 0) {
        errno = saved;
        return -1;
    }
    *stage = 4;
    result = syscall(429, mount_fd, "", AT_FDCWD, target, 4 /* MOVE_MOUNT_F_EMPTY_PATH */);
    saved = errno;
    close(mount_fd);
    errno = saved;
    return result == 0 ? 0 : -1;
}

/// Attaches the detached mount `mount_fd` at `target` (move_mount with MOVE_MOUNT_F_EMPTY_PATH); -1 with errno.
static inline int sr_move_mount(int mount_fd, const char *target) {
    return (int)syscall(429, mount_fd, "", AT_FDCWD, target, 4 /* MOVE_MOUNT_F_EMPTY_PATH */);
}

#include <signal.h>
#include <string.h>

/// The self-pipe a long-running server's signals are written to (one byte per signal). The handler runs on
/// whichever thread the kernel picks and does only write(2), so no signal is lost to a thread where it is
/// ignored or blocked for another mechanism.
static int sr_signal_pipe_fd = -1;

static void sr_signal_pipe_handler(int signo) {
    int saved = errno;
    unsigned char byte = (unsigned char)signo;
    ssize_t ignored = write(sr_signal_pipe_fd, &byte, 1);
    (void)ignored;
    errno = saved;
}

/// Routes `signo` to the write end `fd` of a pipe (the same pipe for every signal routed).
static inline int sr_route_signal_to_pipe(int signo, int fd) {
    sr_signal_pipe_fd = fd;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = sr_signal_pipe_handler;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    return sigaction(signo, &action, NULL);
}

/// Sets vm.memfd_noexec to 2 in the pid namespace of process `target` and reads it back there. The kernel
/// applies the setting to the writer's own pid namespace, and setns(CLONE_NEWPID) moves only the joiner's
/// later children, so a child joins and its child writes. Both only make system calls (the parent has
/// threads). Returns 0, or -1 with errno (EPROTO: the value did not hold).
static inline int sr_set_memfd_noexec(pid_t target) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/pid", target);
    int ns = open(path, O_RDONLY | O_CLOEXEC);
    if (ns < 0) return -1;
    pid_t pid = fork();
    if (pid < 0) {
        int saved = errno;
        close(ns);
        errno = saved;
        return -1;
    }
    if (pid == 0) {
        if (syscall(SYS_setns, ns, 0x20000000 /* CLONE_NEWPID */) != 0) _exit(errno);
        pid_t writer = fork();
        if (writer < 0) _exit(errno);
        if (writer == 0) {
            int fd = open("/proc/sys/vm/memfd_noexec", O_RDWR | O_CLOEXEC);
            if (fd < 0) _exit(errno);
            if (write(fd, "2", 1) != 1) _exit(errno ? errno : EIO);
            char value[8] = {0};
            if (pread(fd, value, sizeof value - 1, 0) < 1 || value[0] != '2') _exit(EPROTO);
            _exit(0);
        }
        int status = 0;
        while (waitpid(writer, &status, 0) < 0 && errno == EINTR) {}
        _exit(WIFEXITED(status) ? WEXITSTATUS(status) : EPROTO);
    }
    close(ns);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : EPROTO;
    if (code != 0) {
        errno = code;
        return -1;
    }
    return 0;
}
