// Open descriptors of this process, for tests that prove nothing leaks.
#pragma once

#include <dirent.h>

namespace kiln_test {

inline int count_fds() {
    DIR* dir = opendir("/proc/self/fd");
    if (!dir)
        return -1;
    int n = 0;
    while (readdir(dir))
        ++n;
    closedir(dir);
    return n;
}

}  // namespace kiln_test
