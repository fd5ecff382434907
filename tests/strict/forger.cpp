// kiln_strict_forger: the other process of strict_foreign_test.cpp -- one that publishes, through
// the user's handle broker, a payload that another driver (or another Kiln device) made. No win32
// handle or name of a process otherwise ever refers to such a payload.
//
//   kiln_strict_forger WHO SIZE MEMORY_TYPE place PID   prints "handle 0x<value>": a handle placed
//                                                       into process PID
//   kiln_strict_forger WHO SIZE MEMORY_TYPE name NAME   prints "named": the payload is filed under
//                                                       NAME (ASCII, e.g. Local\kiln-...)
//
// WHO is "driver" (the header's driverUUID is not Kiln's) or "device" (Kiln's driverUUID, another
// deviceUUID); otherwise the header is the one Kiln's driver writes for SIZE bytes of memory type
// MEMORY_TYPE. Then it holds the payload until its stdin closes, releases it and exits 0. Any
// failure prints "error <what> <code>" and exits non-zero.
//
// Links the static kiln_win32_core: it speaks the broker protocol directly (broker_call) and loads
// no driver.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

#include "broker/protocol.h"
#include "memory/payload_file.h"
#include "win32/broker_client.h"

namespace {

using kiln::broker::Op;

int fail(const char* what, unsigned long code) {
    std::printf("error %s %lu\n", what, code);
    std::fflush(stdout);
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 6)
        return fail("usage", 0);
    const std::string who = argv[1];
    const uint64_t size = std::strtoull(argv[2], nullptr, 0);
    const uint32_t memory_type = uint32_t(std::strtoul(argv[3], nullptr, 0));
    const std::string mode = argv[4];
    if ((who != "driver" && who != "device") || (mode != "place" && mode != "name") || size == 0)
        return fail("usage", 0);

    kiln::memory::PayloadHeader header =
        kiln::memory::make_payload_header(kiln::memory::PayloadOrigin::Vulkan, size, memory_type);
    // One byte flipped: the UUID of another driver, or of another physical device.
    if (who == "driver")
        header.driver_uuid[0] ^= 0xff;
    else
        header.device_uuid[0] ^= 0xff;
    const int fd = kiln::memory::create_payload_file(header);
    if (fd < 0)
        return fail("create_payload_file", 0);

    kiln::broker::Request request;
    kiln::broker::Reply reply;
    request.size = size;
    request.kind = header.origin;
    if (const uint32_t status = kiln::win32::broker_call(Op::Share, request, fd, &reply, nullptr); status != 0)
        return fail("share", status);
    const uint64_t gid = reply.gid;

    request = {};
    request.gid = gid;
    if (mode == "place") {
        request.target_pid = uint32_t(std::strtoul(argv[5], nullptr, 0));
        request.access = 0x10000000u;  // GENERIC_ALL
        if (const uint32_t status = kiln::win32::broker_call(Op::Place, request, -1, &reply, nullptr); status != 0)
            return fail("place", status);
        std::printf("handle 0x%x\n", reply.value);
    } else {
        const char* name = argv[5];
        const size_t units = std::strlen(name);
        if (units == 0 || units > kiln::broker::kMaxNameUnits)
            return fail("name", 0);
        for (size_t i = 0; i < units; ++i)
            request.name[i] = char16_t(static_cast<unsigned char>(name[i]));
        request.name_units = uint32_t(units);
        if (const uint32_t status = kiln::win32::broker_call(Op::BindName, request, -1, &reply, nullptr); status != 0)
            return fail("bind-name", status);
        std::printf("named\n");
    }
    std::fflush(stdout);

    // Hold the payload while the parent imports it: until stdin closes.
    char buffer[64];
    while (read(0, buffer, sizeof buffer) > 0) {
    }
    request = {};
    request.gid = gid;
    kiln::win32::broker_call(Op::Release, request, -1, &reply, nullptr);
    close(fd);
    return 0;
}
