// The other process of the cross-process handle benchmark: for each handle value read from
// stdin, uses it (which claims it from the broker), closes it, and answers "ok" or "failed".
#include <cstdio>

#include <kiln/win32.h>

int main() {
    std::printf("ready\n");
    std::fflush(stdout);
    unsigned long long value = 0;
    while (std::scanf("%llx", &value) == 1) {
        HANDLE h = reinterpret_cast<HANDLE>(static_cast<uintptr_t>(value));
        DWORD flags = 0;
        const bool ok = GetHandleInformation(h, &flags) && CloseHandle(h);
        std::printf(ok ? "ok\n" : "failed\n");
        std::fflush(stdout);
    }
    return 0;
}
