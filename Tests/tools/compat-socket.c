/* A 64-bit static probe that calls socket() through the compat ABIs a 64-bit seccomp filter may not cover:
 * the i386 socketcall(SYS_SOCKET, ...) multiplexer through `int $0x80` (its argument block must sit below
 * 4 GiB, hence MAP_32BIT), and the x32 socket() (syscall number with bit 30 set). Each attempt runs in its
 * own child, so a seccomp kill (SIGSYS) is reported instead of ending the probe. One line per attempt:
 * "<what>: ok" (a socket was made), an errno name, or "killed by signal N". */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *errname(long e) {
    switch (e) {
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ENOSYS: return "ENOSYS";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EINVAL: return "EINVAL";
    default: return strerror((int)e);
    }
}

static long i386_socketcall(int family) {
    unsigned int *args = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (args == MAP_FAILED) return -ENOMEM;
    args[0] = (unsigned int)family;
    args[1] = 1; /* SOCK_STREAM */
    args[2] = 0;
    long ret;
    /* __NR_socketcall is 102 on i386; SYS_SOCKET is 1. */
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(102L), "b"(1L), "c"((long)args) : "memory");
    return ret;
}

static long x32_socket(int family) {
    long ret;
    /* __X32_SYSCALL_BIT | __NR_socket (41). */
    __asm__ volatile("syscall" : "=a"(ret) : "a"(0x40000000L | 41L), "D"((long)family), "S"(1L), "d"(0L) : "rcx", "r11", "memory");
    return ret;
}

static void attempt(const char *what, long (*call)(int), int family) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        long ret = call(family);
        printf("%s: %s\n", what, ret >= 0 ? "ok" : errname(-ret));
        fflush(stdout);
        _exit(0);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid) {
        printf("%s: fork or wait failed\n", what);
        return;
    }
    if (WIFSIGNALED(status)) printf("%s: killed by signal %d\n", what, WTERMSIG(status));
}

int main(void) {
    attempt("i386 socketcall AF_VSOCK", i386_socketcall, 40);
    attempt("i386 socketcall AF_INET", i386_socketcall, 2);
    attempt("x32 socket AF_VSOCK", x32_socket, 40);
    return 0;
}
