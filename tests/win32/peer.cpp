// kiln_win32_peer: the other process of the cross-process tests (cross_process_test.cpp).
// It prints "ready <pid>" first, then does one command and exits 0 when what it saw is right:
//
//   claim-read SIZE BYTE        read a handle value from stdin; use it (the broker hands it
//                               over); every byte of the payload must be BYTE
//   name-read NAME SIZE BYTE    open the payload by name; every byte must be BYTE
//   kmt-read KMT SIZE BYTE      look the payload up by KMT value; every byte must be BYTE
//   export-to PARENT NAME       make a named 4 KiB payload of 0x5a bytes, duplicate a handle to it
//                               into PARENT, print the value, exit (the exporter is gone)
//   hold-name NAME              open the payload by name and hold it until killed
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

#include "win32/handle_table.h"
#include "kiln/win32.h"
#include "win32/payload.h"

using namespace kiln::win32;

namespace {

std::u16string utf16(const char* s) { return std::u16string(s, s + std::strlen(s)); }

// The payload's bytes, through this process's one mapping of them (after the header page).
bool all_bytes_are(Payload& payload, uint64_t size, int byte) {
    if (payload.size() != size)
        return false;
    const auto* p = reinterpret_cast<const unsigned char*>(payload.map());
    if (!p)
        return false;
    bool ok = true;
    for (uint64_t i = 0; i < size && ok; ++i)
        ok = p[i] == byte;
    return ok;
}

}  // namespace

int main(int argc, char** argv) {
    std::printf("ready %d\n", int(getpid()));
    std::fflush(stdout);
    if (argc < 2)
        return 2;
    const std::string command = argv[1];
    if (command == "claim-read" && argc == 4) {
        unsigned long long value = 0;
        if (std::scanf("%llx", &value) != 1)
            return 3;
        DWORD flags = 0;
        // Any use of the value makes the library claim it from the broker.
        if (!GetHandleInformation(reinterpret_cast<HANDLE>(uintptr_t(value)), &flags))
            return 4;
        HandleInfo info;
        if (!HandleTable::current().lookup(uintptr_t(value), &info) || info.object->type() != ObjectType::Payload)
            return 5;
        const bool ok = all_bytes_are(*static_cast<Payload*>(info.object.get()), std::strtoull(argv[2], nullptr, 0),
                                      int(std::strtol(argv[3], nullptr, 0)));
        return ok && CloseHandle(reinterpret_cast<HANDLE>(uintptr_t(value))) ? 0 : 6;
    }
    if (command == "name-read" && argc == 5) {
        Ref<> object;
        if (open_name(utf16(argv[2]).c_str(), &object) != NameStatus::Ok)
            return 4;
        return all_bytes_are(*static_cast<Payload*>(object.get()), std::strtoull(argv[3], nullptr, 0),
                             int(std::strtol(argv[4], nullptr, 0)))
                   ? 0
                   : 6;
    }
    if (command == "kmt-read" && argc == 5) {
        Ref<Payload> payload = lookup_kmt(uint32_t(std::strtoul(argv[2], nullptr, 0)));
        if (!payload)
            return 4;
        return all_bytes_are(*payload, std::strtoull(argv[3], nullptr, 0), int(std::strtol(argv[4], nullptr, 0)))
                   ? 0
                   : 6;
    }
    if (command == "export-to" && argc == 4) {
        HANDLE h = nullptr;
        if (kiln_create_external_payload(VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_HEAP_BIT, 4096, nullptr, 0,
                                         utf16(argv[3]).c_str(), &h) != ERROR_SUCCESS)
            return 4;
        HandleInfo info;
        HandleTable::current().lookup(reinterpret_cast<uintptr_t>(h), &info);
        std::byte* p = static_cast<Payload*>(info.object.get())->map();
        if (!p)
            return 5;
        std::memset(p, 0x5a, 4096);
        HANDLE parent = OpenProcess(PROCESS_DUP_HANDLE, FALSE, DWORD(std::strtoul(argv[2], nullptr, 0)));
        HANDLE there = nullptr;
        if (!parent || !DuplicateHandle(GetCurrentProcess(), h, parent, &there, 0, FALSE, DUPLICATE_SAME_ACCESS))
            return 6;
        std::printf("%llx\n", static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(there)));
        std::fflush(stdout);
        return 0;  // the exporting process ends: its handle goes, the placed one keeps the payload
    }
    if (command == "hold-name" && argc == 3) {
        Ref<> object;
        if (open_name(utf16(argv[2]).c_str(), &object) != NameStatus::Ok)
            return 4;
        std::printf("holding\n");
        std::fflush(stdout);
        for (;;)
            pause();
    }
    return 2;
}
