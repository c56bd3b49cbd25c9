#include <seccomp.h>
#include <errno.h>
// libseccomp's actions and argument comparators are function-like macros, which Swift cannot
// import; these inline functions expose them.
static inline uint32_t csr_act_errno(uint16_t err) { return SCMP_ACT_ERRNO(err); }
static inline uint32_t csr_act_trace(uint16_t msg) { return SCMP_ACT_TRACE(msg); }
static inline uint32_t csr_act_kill_process(void) { return SCMP_ACT_KILL_PROCESS; }
static inline uint32_t csr_act_kill_thread(void) { return SCMP_ACT_KILL_THREAD; }
static inline uint32_t csr_act_allow(void) { return SCMP_ACT_ALLOW; }
static inline uint32_t csr_act_log(void) { return SCMP_ACT_LOG; }
static inline uint32_t csr_act_trap(void) { return SCMP_ACT_TRAP; }
static inline uint32_t csr_arch_native(void) { return SCMP_ARCH_NATIVE; }
static inline uint32_t csr_arch_x86_64(void) { return SCMP_ARCH_X86_64; }
static inline uint32_t csr_arch_x86(void) { return SCMP_ARCH_X86; }
static inline uint32_t csr_arch_x32(void) { return SCMP_ARCH_X32; }
static inline uint32_t csr_arch_aarch64(void) { return SCMP_ARCH_AARCH64; }
static inline uint32_t csr_arch_arm(void) { return SCMP_ARCH_ARM; }
static inline uint32_t csr_act_notify(void) { return SCMP_ACT_NOTIFY; }
// seccomp_export_bpf writes to a file descriptor; an anonymous memory file holds a filter of any size
// (a pipe would block past its buffer). glibc declares memfd_create only under _GNU_SOURCE.
#include <sys/syscall.h>
#include <unistd.h>
static inline int csr_memfd_create(const char *name) { return (int)syscall(SYS_memfd_create, name, 1u /* MFD_CLOEXEC */); }
