#include "payload_file.h"

#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kiln::memory {

namespace {

constexpr uint64_t kPage = 4096;  // the header and the rounding are in these units on every host Kiln runs on

constexpr uint64_t fnv1a(const char* s, uint64_t seed) {
    uint64_t h = 0xcbf29ce484222325ull ^ seed;
    for (; *s; ++s)
        h = (h ^ uint8_t(*s)) * 0x100000001b3ull;
    return h;
}

// A 16-byte identifier made of two 64-bit hashes of `identity`, shaped as an RFC 4122 version-5 UUID.
void make_uuid(const char* identity, uint8_t out[kUuidSize]) {
    const uint64_t a = fnv1a(identity, 1), b = fnv1a(identity, 2);
    std::memcpy(out, &a, 8);
    std::memcpy(out + 8, &b, 8);
    out[6] = uint8_t((out[6] & 0x0f) | 0x50);
    out[8] = uint8_t((out[8] & 0x3f) | 0x80);
}

constexpr char kDriverIdentity[] = "Kiln driver " KILN_VERSION_STRING;
constexpr char kDeviceIdentity[] = "Kiln CPU device, image layout 1";

}  // namespace

const Identity& kiln_identity() {
    static const Identity identity = [] {
        Identity id{};
        make_uuid(kDriverIdentity, id.driver_uuid);
        make_uuid(kDeviceIdentity, id.device_uuid);
        const uint64_t luid = fnv1a(kDeviceIdentity, 3) | 1;
        std::memcpy(id.luid, &luid, sizeof id.luid);
        return id;
    }();
    return identity;
}

PayloadHeader make_payload_header(PayloadOrigin origin, uint64_t size, uint32_t memory_type, uint64_t dedicated) {
    PayloadHeader h{};
    std::memcpy(h.magic, kPayloadMagic, sizeof h.magic);
    h.version = kPayloadVersion;
    h.header_size = uint32_t(kPayloadHeaderSize);
    h.size = size;
    std::memcpy(h.driver_uuid, kiln_identity().driver_uuid, kUuidSize);
    std::memcpy(h.device_uuid, kiln_identity().device_uuid, kUuidSize);
    h.origin = uint32_t(origin);
    h.memory_type = memory_type;
    h.dedicated = dedicated;
    return h;
}

uint64_t payload_file_size(uint64_t size) {
    // off_t is signed: keep the file below 2^62 bytes.
    if (size == 0 || size > (uint64_t{1} << 62))
        return 0;
    return kPayloadHeaderSize + (size + kPage - 1) / kPage * kPage;
}

int create_payload_file(const PayloadHeader& header) {
    const uint64_t file_size = payload_file_size(header.size);
    if (!file_size)
        return -1;
    const int fd = memfd_create("kiln-payload", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return -1;
    // The header is written before the seals, and the size is fixed once sealed: nobody holding
    // the descriptor can shrink the file under another process's mapping (which would SIGBUS it).
    if (ftruncate(fd, off_t(file_size)) != 0 || pwrite(fd, &header, sizeof header, 0) != ssize_t(sizeof header) ||
        fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static uint64_t file_id(const struct stat& st) { return uint64_t(st.st_ino) ^ (uint64_t(st.st_dev) << 40); }

uint64_t file_id_of(int fd) {
    struct stat st {};
    return fstat(fd, &st) == 0 ? file_id(st) : 0;
}

PayloadCheck read_payload_header(int fd, PayloadHeader* out, uint64_t* id) {
    struct stat st {};
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return PayloadCheck::NotAFile;
    const int seals = fcntl(fd, F_GET_SEALS);
    if (seals < 0 || (seals & (F_SEAL_SHRINK | F_SEAL_GROW)) != (F_SEAL_SHRINK | F_SEAL_GROW))
        return PayloadCheck::NotSealed;
    PayloadHeader h{};
    if (pread(fd, &h, sizeof h, 0) != ssize_t(sizeof h) || std::memcmp(h.magic, kPayloadMagic, sizeof h.magic) != 0 ||
        h.version != kPayloadVersion || h.header_size != kPayloadHeaderSize)
        return PayloadCheck::NotKiln;
    if (payload_file_size(h.size) != uint64_t(st.st_size))
        return PayloadCheck::BadSize;
    *out = h;
    if (id)
        *id = file_id(st);
    return PayloadCheck::Ok;
}

std::byte* map_payload(int fd, uint64_t size) {
    // No MAP_POPULATE: mapping costs the same at every size; pages arrive on first touch.
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off_t(kPayloadHeaderSize));
    return p == MAP_FAILED ? nullptr : static_cast<std::byte*>(p);
}

void unmap_payload(std::byte* data, uint64_t size) {
    if (data)
        munmap(data, size);
}

}  // namespace kiln::memory
