/* A static probe run inside test containers: it reports what the kernel allows, one line per check. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *err(int e) {
    switch (e) {
    case 0: return "ok";
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case EROFS: return "EROFS";
    case EAGAIN: return "EAGAIN";
    case ENOSYS: return "ENOSYS";
    case EINVAL: return "EINVAL";
    case ENOMEM: return "ENOMEM";
    default: return strerror(e);
    }
}

static int report(const char *what, long rc) {
    printf("%s: %s\n", what, rc == -1 ? err(errno) : "ok");
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: probe syscalls|write PATH|alloc MB|fork N|tty|adjtimex|sleep S|memfd-exec|audit-socket\n"); return 2; }
    if (!strcmp(argv[1], "syscalls")) {
        report("mount", mount("none", "/tmp", "tmpfs", 0, NULL));
        report("umount2", umount2("/proc", MNT_DETACH));
        report("unshare", unshare(CLONE_NEWNS));
        report("setns", setns(0, 0) == -1 && errno == EBADF ? (errno = 0, 0) : -1);
        report("ptrace", ptrace(PTRACE_TRACEME, 0, NULL, NULL));
        report("bpf", syscall(SYS_bpf, 0, NULL, 0));
        report("keyctl", syscall(SYS_keyctl, 0, 0, 0, 0, 0));
        report("pivot_root", syscall(SYS_pivot_root, "/", "/"));
        report("getpid", getpid() > 0 ? 0 : -1);
        return 0;
    }
    if (!strcmp(argv[1], "write") && argc > 2) {
        int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) { (void)!write(fd, "x", 1); close(fd); }
        return report(argv[2], fd >= 0 ? 0 : -1);
    }
    if (!strcmp(argv[1], "alloc") && argc > 2) {
        long mb = atol(argv[2]);
        for (long i = 0; i < mb; i++) {
            char *p = malloc(1 << 20);
            if (!p) { printf("alloc: ENOMEM after %ld MB\n", i); return 1; }
            memset(p, 1, 1 << 20);
        }
        printf("alloc: ok %ld MB\n", mb);
        return 0;
    }
    if (!strcmp(argv[1], "fork") && argc > 2) {
        long n = atol(argv[2]), made = 0;
        int failed = 0;
        for (; made < n; made++) {
            pid_t pid = fork();
            if (pid == 0) { pause(); _exit(0); }
            if (pid < 0) { failed = errno; break; }
        }
        printf("fork: %ld children, then %s\n", made, failed ? err(failed) : "no failure");
        kill(0, SIGKILL);
        return 0;
    }
    if (!strcmp(argv[1], "tty")) {
        for (int fd = 0; fd <= 2; fd++) printf("fd %d: %s\n", fd, isatty(fd) ? "terminal" : "not a terminal");
        char c = 'x';
        report("TIOCSTI", ioctl(0, TIOCSTI, &c));
        return 0;
    }
    /* adjtimex with modes 0 only reads the clock's state: docker's default seccomp filter allows it, and
       securerun's denies it, so the answer tells which filter a container got. */
    if (!strcmp(argv[1], "adjtimex")) {
        struct timex t;
        memset(&t, 0, sizeof t);
        return report("adjtimex", adjtimex(&t) == -1 ? -1 : 0);
    }
    /* Code from a memfd, past a read-only root and noexec tmpfs: copy this probe into one and execute it. */
    if (!strcmp(argv[1], "memfd-exec")) {
        if (argc > 2) { printf("memfd-exec: the memfd's code ran\n"); return 0; }
        int fd = memfd_create("probe", 0);
        if (fd < 0) return report("memfd_create", -1);
        int self = open("/proc/self/exe", O_RDONLY);
        char buffer[65536];
        ssize_t n;
        while (self >= 0 && (n = read(self, buffer, sizeof buffer)) > 0) (void)!write(fd, buffer, n);
        char *args[] = {"probe", "memfd-exec", "child", NULL};
        char *env[] = {NULL};
        syscall(SYS_execveat, fd, "", args, env, AT_EMPTY_PATH);
        return report("memfd-exec", -1);
    }
    if (!strcmp(argv[1], "audit-socket")) {
        report("audit-socket", socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT));
        return report("route-socket", socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE));
    }
    if (!strcmp(argv[1], "sleep") && argc > 2) {
        printf("sleeping\n");
        fflush(stdout);
        sleep(atoi(argv[2]));
        return 0;
    }
    fprintf(stderr, "probe: unknown check %s\n", argv[1]);
    return 2;
}
