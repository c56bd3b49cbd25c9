#include <sys/capability.h>
#include <errno.h>
