// kiln::memory payload files (memory/payload_file.h): the header page, the file's size and seals,
// what read_payload_header accepts and rejects, the mapping of the bytes after the header, and
// Kiln's identity (the UUIDs stamped into every header).
#include "memory/payload_file.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

using kiln::memory::create_payload_file;
using kiln::memory::kiln_identity;
using kiln::memory::kPayloadHeaderSize;
using kiln::memory::kPayloadMagic;
using kiln::memory::kPayloadVersion;
using kiln::memory::kUuidSize;
using kiln::memory::make_payload_header;
using kiln::memory::map_payload;
using kiln::memory::payload_file_size;
using kiln::memory::PayloadCheck;
using kiln::memory::PayloadHeader;
using kiln::memory::PayloadOrigin;
using kiln::memory::read_payload_header;
using kiln::memory::unmap_payload;

constexpr uint64_t kPage = 4096;

uint64_t round_up_to_page(uint64_t size) { return (size + kPage - 1) / kPage * kPage; }

// A descriptor closed with the scope.
class Fd {
public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0)
            close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

bool fd_is_open(int fd) { return fcntl(fd, F_GETFD) != -1; }

const char* check_name(PayloadCheck c) {
    switch (c) {
    case PayloadCheck::Ok: return "Ok";
    case PayloadCheck::NotAFile: return "NotAFile";
    case PayloadCheck::NotSealed: return "NotSealed";
    case PayloadCheck::NotKiln: return "NotKiln";
    case PayloadCheck::BadSize: return "BadSize";
    }
    return "?";
}

// read_payload_header's verdict on `fd`, checking on the way that a refusal leaves `*out` and the
// descriptor alone.
PayloadCheck check(int fd) {
    PayloadHeader out;
    std::memset(&out, 0xee, sizeof out);
    const PayloadCheck c = read_payload_header(fd, &out);
    if (c != PayloadCheck::Ok) {
        PayloadHeader untouched;
        std::memset(&untouched, 0xee, sizeof untouched);
        EXPECT_EQ(std::memcmp(&out, &untouched, sizeof out), 0) << "a refused header was written out";
        if (fd >= 0) {
            EXPECT_TRUE(fd_is_open(fd)) << "a refused descriptor was closed";
        }
    }
    return c;
}

#define EXPECT_CHECK(fd, expected) \
    EXPECT_STREQ(check_name(check(fd)), check_name(expected))

// A memfd of `file_size` bytes that starts with `header` (when given), sealed with `seals`.
int crafted_memfd(uint64_t file_size, const PayloadHeader* header, int seals) {
    const int fd = memfd_create("kiln-test-crafted", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return -1;
    if (ftruncate(fd, off_t(file_size)) != 0 ||
        (header && pwrite(fd, header, sizeof *header, 0) != ssize_t(sizeof *header)) ||
        (seals && fcntl(fd, F_ADD_SEALS, seals) != 0)) {
        close(fd);
        return -1;
    }
    return fd;
}

constexpr int kPayloadSeals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;

std::byte pattern_byte(uint64_t i, uint8_t seed) { return std::byte(uint8_t(i % 251 + seed)); }

// ---- The header ---------------------------------------------------------------------------------

TEST(PayloadHeader, LayoutIsFixed) {
    // The header crosses processes (and Kiln versions, which the version field tells apart): no
    // padding, every field where it was.
    static_assert(sizeof(PayloadHeader) == 72);
    static_assert(offsetof(PayloadHeader, version) == 8);
    static_assert(offsetof(PayloadHeader, header_size) == 12);
    static_assert(offsetof(PayloadHeader, size) == 16);
    static_assert(offsetof(PayloadHeader, driver_uuid) == 24);
    static_assert(offsetof(PayloadHeader, device_uuid) == 40);
    static_assert(offsetof(PayloadHeader, origin) == 56);
    static_assert(offsetof(PayloadHeader, memory_type) == 60);
    static_assert(offsetof(PayloadHeader, dedicated) == 64);
    static_assert(sizeof(PayloadHeader) <= kPayloadHeaderSize);
    static_assert(kPayloadHeaderSize == 4096);
    EXPECT_EQ(std::memcmp(kPayloadMagic, "KILNPAY1", 8), 0);
    EXPECT_EQ(uint32_t(PayloadOrigin::Vulkan), 1u);
    EXPECT_EQ(uint32_t(PayloadOrigin::D3D11Texture), 2u);
    EXPECT_EQ(uint32_t(PayloadOrigin::D3D12Heap), 3u);
    EXPECT_EQ(uint32_t(PayloadOrigin::D3D12Resource), 4u);
}

TEST(PayloadHeader, MadeHeaderCarriesItsArgumentsAndKilnsIdentity) {
    const PayloadHeader h = make_payload_header(PayloadOrigin::D3D11Texture, 12345, 3, 0xfeedface12345678ull);
    EXPECT_EQ(std::memcmp(h.magic, kPayloadMagic, 8), 0);
    EXPECT_EQ(h.version, kPayloadVersion);
    EXPECT_EQ(h.header_size, kPayloadHeaderSize);
    EXPECT_EQ(h.size, 12345u);
    EXPECT_EQ(std::memcmp(h.driver_uuid, kiln_identity().driver_uuid, kUuidSize), 0);
    EXPECT_EQ(std::memcmp(h.device_uuid, kiln_identity().device_uuid, kUuidSize), 0);
    EXPECT_EQ(h.origin, uint32_t(PayloadOrigin::D3D11Texture));
    EXPECT_EQ(h.memory_type, 3u);
    EXPECT_EQ(h.dedicated, 0xfeedface12345678ull);

    const PayloadHeader d = make_payload_header(PayloadOrigin::Vulkan, 1);
    EXPECT_EQ(d.memory_type, UINT32_MAX) << "default: any memory type";
    EXPECT_EQ(d.dedicated, 0u) << "default: not dedicated";
}

TEST(PayloadFile, HeaderRoundTripsThroughTheFile) {
    const PayloadOrigin origins[] = {PayloadOrigin::Vulkan, PayloadOrigin::D3D11Texture, PayloadOrigin::D3D12Heap,
                                     PayloadOrigin::D3D12Resource};
    for (const PayloadOrigin origin : origins) {
        for (const uint64_t size : {uint64_t{1}, uint64_t{4096}, uint64_t{12345}}) {
            SCOPED_TRACE(std::to_string(uint32_t(origin)) + " " + std::to_string(size));
            const PayloadHeader made = make_payload_header(origin, size, uint32_t(size % 7), size * 31);
            Fd fd(create_payload_file(made));
            ASSERT_GE(fd.get(), 0);
            PayloadHeader read{};
            ASSERT_EQ(read_payload_header(fd.get(), &read), PayloadCheck::Ok);
            EXPECT_EQ(std::memcmp(&read, &made, sizeof read), 0);
            EXPECT_EQ(read.origin, uint32_t(origin));
            EXPECT_EQ(read.size, size);
            EXPECT_EQ(read.memory_type, uint32_t(size % 7));
            EXPECT_EQ(read.dedicated, size * 31);

            // The first page is the header and zeros; the payload's bytes start zeroed after it.
            std::vector<unsigned char> page(kPayloadHeaderSize + 1, 0xcc);
            ASSERT_EQ(pread(fd.get(), page.data(), page.size(), 0), ssize_t(page.size()));
            EXPECT_EQ(std::memcmp(page.data(), &made, sizeof made), 0);
            size_t nonzero = 0;
            for (size_t i = sizeof made; i < page.size(); ++i)
                nonzero += page[i] != 0;
            EXPECT_EQ(nonzero, 0u);
        }
    }
}

// ---- File size, seals, descriptor flags -----------------------------------------------------------

TEST(PayloadFile, FileSizeIsTheHeaderPagePlusWholePages) {
    for (const uint64_t size : {uint64_t{1}, uint64_t{100}, uint64_t{4095}, uint64_t{4096}, uint64_t{4097},
                                uint64_t{12345}, uint64_t{3} << 20, (uint64_t{3} << 20) + 1}) {
        SCOPED_TRACE(size);
        const uint64_t expected = kPayloadHeaderSize + round_up_to_page(size);
        EXPECT_EQ(payload_file_size(size), expected);
        Fd fd(create_payload_file(make_payload_header(PayloadOrigin::Vulkan, size)));
        ASSERT_GE(fd.get(), 0);
        struct stat st {};
        ASSERT_EQ(fstat(fd.get(), &st), 0);
        EXPECT_EQ(uint64_t(st.st_size), expected);
    }
}

TEST(PayloadFile, FileSizeOfNothingOrTooMuchIsZero) {
    EXPECT_EQ(payload_file_size(0), 0u);
    EXPECT_EQ(payload_file_size(UINT64_MAX), 0u);
    EXPECT_EQ(payload_file_size(UINT64_MAX - kPage + 2), 0u) << "rounding up must not wrap around";
    EXPECT_EQ(payload_file_size(uint64_t{1} << 63), 0u);
    EXPECT_EQ(payload_file_size((uint64_t{1} << 62) + 1), 0u);
    // The largest size still fits an off_t with its header.
    EXPECT_EQ(payload_file_size(uint64_t{1} << 62), (uint64_t{1} << 62) + kPayloadHeaderSize);
    EXPECT_LE(payload_file_size(uint64_t{1} << 62), uint64_t(INT64_MAX));
}

TEST(PayloadFile, NoFileForNothingOrTooMuch) {
    for (const uint64_t size : {uint64_t{0}, (uint64_t{1} << 62) + 1, UINT64_MAX}) {
        SCOPED_TRACE(size);
        errno = 0;
        EXPECT_EQ(create_payload_file(make_payload_header(PayloadOrigin::Vulkan, size)), -1);
    }
}

TEST(PayloadFile, IsASealedCloseOnExecMemfd) {
    const uint64_t size = 3 * kPage + 5;
    Fd fd(create_payload_file(make_payload_header(PayloadOrigin::D3D12Heap, size)));
    ASSERT_GE(fd.get(), 0);

    const int flags = fcntl(fd.get(), F_GETFD);
    ASSERT_NE(flags, -1);
    EXPECT_TRUE(flags & FD_CLOEXEC) << "payload files must not leak into exec'd programs";

    char link[PATH_MAX] = {};
    ASSERT_GT(readlink(("/proc/self/fd/" + std::to_string(fd.get())).c_str(), link, sizeof link - 1), 0);
    EXPECT_EQ(std::strncmp(link, "/memfd:", 7), 0) << link;

    const int seals = fcntl(fd.get(), F_GET_SEALS);
    ASSERT_GE(seals, 0);
    EXPECT_EQ(seals & kPayloadSeals, kPayloadSeals);
    EXPECT_FALSE(seals & F_SEAL_WRITE) << "a payload must stay writable";

    const off_t file_size = off_t(payload_file_size(size));
    errno = 0;
    EXPECT_NE(ftruncate(fd.get(), file_size + off_t(kPage)), 0) << "growing a payload succeeded";
    EXPECT_EQ(errno, EPERM);
    errno = 0;
    EXPECT_NE(ftruncate(fd.get(), file_size - 1), 0) << "shrinking a payload succeeded";
    EXPECT_EQ(errno, EPERM);
    EXPECT_NE(ftruncate(fd.get(), 0), 0);
    EXPECT_NE(ftruncate(fd.get(), off_t(kPayloadHeaderSize)), 0) << "cutting the payload off its header succeeded";
    const char byte = 1;
    EXPECT_NE(pwrite(fd.get(), &byte, 1, file_size), 1) << "writing past the end grew the payload";
    EXPECT_NE(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_WRITE), 0) << "the seals can still be changed";
    struct stat st {};
    ASSERT_EQ(fstat(fd.get(), &st), 0);
    EXPECT_EQ(st.st_size, file_size);
    EXPECT_EQ(pwrite(fd.get(), &byte, 1, file_size - 1), 1) << "the payload's bytes are not writable";
    PayloadHeader h;
    EXPECT_EQ(read_payload_header(fd.get(), &h), PayloadCheck::Ok);
}

// ---- read_payload_header: what it refuses --------------------------------------------------------

TEST(ReadPayloadHeader, RefusesWhatIsNotARegularFile) {
    EXPECT_CHECK(-1, PayloadCheck::NotAFile);
    EXPECT_CHECK(-12345, PayloadCheck::NotAFile);
    {
        // A descriptor number that is not open (any more).
        const int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        ASSERT_GE(fd, 0);
        close(fd);
        PayloadHeader h;
        EXPECT_EQ(read_payload_header(fd, &h), PayloadCheck::NotAFile);
    }
    int p[2];
    ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
    Fd read_end(p[0]), write_end(p[1]);
    const PayloadHeader valid = make_payload_header(PayloadOrigin::Vulkan, 4096);
    ASSERT_EQ(write(write_end.get(), &valid, sizeof valid), ssize_t(sizeof valid));  // header-shaped bytes
    EXPECT_CHECK(read_end.get(), PayloadCheck::NotAFile);
    EXPECT_CHECK(write_end.get(), PayloadCheck::NotAFile);
    char drained[sizeof valid];
    EXPECT_EQ(read(read_end.get(), drained, sizeof drained), ssize_t(sizeof drained)) << "the check read the pipe";

    Fd null(open("/dev/null", O_RDWR | O_CLOEXEC));
    ASSERT_GE(null.get(), 0);
    EXPECT_CHECK(null.get(), PayloadCheck::NotAFile);

    Fd dir(open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    ASSERT_GE(dir.get(), 0);
    EXPECT_CHECK(dir.get(), PayloadCheck::NotAFile);

    int s[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s), 0);
    Fd s0(s[0]), s1(s[1]);
    EXPECT_CHECK(s0.get(), PayloadCheck::NotAFile);
}

TEST(ReadPayloadHeader, RefusesARegularFileEvenWithAValidHeader) {
    // A file on disk (or tmpfs) cannot be sealed: anyone could truncate it under a mapping.
    FILE* file = std::tmpfile();
    ASSERT_NE(file, nullptr);
    const int fd = fileno(file);
    const PayloadHeader valid = make_payload_header(PayloadOrigin::Vulkan, 4096);
    ASSERT_EQ(ftruncate(fd, off_t(payload_file_size(4096))), 0);
    ASSERT_EQ(pwrite(fd, &valid, sizeof valid, 0), ssize_t(sizeof valid));
    EXPECT_CHECK(fd, PayloadCheck::NotSealed);
    std::fclose(file);
}

TEST(ReadPayloadHeader, RefusesAnUnsealedOrHalfSealedMemfd) {
    const PayloadHeader valid = make_payload_header(PayloadOrigin::Vulkan, 4096);
    const uint64_t file_size = payload_file_size(4096);
    {
        Fd fd(crafted_memfd(file_size, &valid, 0));
        ASSERT_GE(fd.get(), 0);
        EXPECT_CHECK(fd.get(), PayloadCheck::NotSealed);
    }
    {
        // A memfd made without MFD_ALLOW_SEALING: sealed against sealing, against nothing else.
        Fd fd(memfd_create("kiln-test-unsealable", MFD_CLOEXEC));
        ASSERT_GE(fd.get(), 0);
        ASSERT_EQ(ftruncate(fd.get(), off_t(file_size)), 0);
        ASSERT_EQ(pwrite(fd.get(), &valid, sizeof valid, 0), ssize_t(sizeof valid));
        EXPECT_CHECK(fd.get(), PayloadCheck::NotSealed);
    }
    for (const int seals : {F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_SHRINK | F_SEAL_SEAL, F_SEAL_GROW | F_SEAL_SEAL}) {
        SCOPED_TRACE(seals);
        Fd fd(crafted_memfd(file_size, &valid, seals));
        ASSERT_GE(fd.get(), 0);
        EXPECT_CHECK(fd.get(), PayloadCheck::NotSealed);
    }
    {
        // Sealed against shrinking and growing but not against further seals: still a payload (the
        // check needs the size fixed, which it is).
        Fd fd(crafted_memfd(file_size, &valid, F_SEAL_SHRINK | F_SEAL_GROW));
        ASSERT_GE(fd.get(), 0);
        EXPECT_CHECK(fd.get(), PayloadCheck::Ok);
    }
}

TEST(ReadPayloadHeader, RefusesASealedMemfdWithoutAKilnHeader) {
    const uint64_t file_size = payload_file_size(4096);
    {
        Fd empty(crafted_memfd(0, nullptr, kPayloadSeals));
        ASSERT_GE(empty.get(), 0);
        EXPECT_CHECK(empty.get(), PayloadCheck::NotKiln);
    }
    {
        Fd zeros(crafted_memfd(file_size, nullptr, kPayloadSeals));
        ASSERT_GE(zeros.get(), 0);
        EXPECT_CHECK(zeros.get(), PayloadCheck::NotKiln);
    }
    {
        // Shorter than a header: the magic alone.
        const int fd = memfd_create("kiln-test-short", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        ASSERT_GE(fd, 0);
        Fd owner(fd);
        ASSERT_EQ(write(fd, kPayloadMagic, sizeof kPayloadMagic), ssize_t(sizeof kPayloadMagic));
        ASSERT_EQ(fcntl(fd, F_ADD_SEALS, kPayloadSeals), 0);
        EXPECT_CHECK(fd, PayloadCheck::NotKiln);
    }
    struct Variant {
        const char* what;
        void (*alter)(PayloadHeader*);
    };
    const Variant variants[] = {
        {"magic", [](PayloadHeader* h) { h->magic[7] = '2'; }},
        {"lowercase magic", [](PayloadHeader* h) { std::memcpy(h->magic, "kilnpay1", 8); }},
        {"version 0", [](PayloadHeader* h) { h->version = 0; }},
        {"next version", [](PayloadHeader* h) { h->version = kPayloadVersion + 1; }},
        {"header size", [](PayloadHeader* h) { h->header_size = 8192; }},
        {"header size 0", [](PayloadHeader* h) { h->header_size = 0; }},
    };
    for (const Variant& v : variants) {
        SCOPED_TRACE(v.what);
        PayloadHeader h = make_payload_header(PayloadOrigin::Vulkan, 4096);
        v.alter(&h);
        Fd fd(crafted_memfd(file_size, &h, kPayloadSeals));
        ASSERT_GE(fd.get(), 0);
        EXPECT_CHECK(fd.get(), PayloadCheck::NotKiln);
    }
}

TEST(ReadPayloadHeader, RefusesAHeaderWhoseSizeDisagreesWithTheFile) {
    // A file sized for 4096 bytes of payload (8192 in all), whose header claims otherwise: a
    // truncated or altered payload, which a mapping of the claimed size would SIGBUS on.
    const uint64_t file_size = payload_file_size(4096);
    for (const uint64_t claimed : {uint64_t{8192}, uint64_t{4097}, uint64_t{1} << 30, uint64_t{0}, UINT64_MAX}) {
        SCOPED_TRACE(claimed);
        const PayloadHeader h = make_payload_header(PayloadOrigin::Vulkan, claimed);
        Fd fd(crafted_memfd(file_size, &h, kPayloadSeals));
        ASSERT_GE(fd.get(), 0);
        EXPECT_CHECK(fd.get(), PayloadCheck::BadSize);
    }
    {
        // Right claim, but the file is not whole pages.
        const PayloadHeader h = make_payload_header(PayloadOrigin::Vulkan, 100);
        Fd fd(crafted_memfd(kPayloadHeaderSize + 100, &h, kPayloadSeals));
        ASSERT_GE(fd.get(), 0);
        EXPECT_CHECK(fd.get(), PayloadCheck::BadSize);
    }
    {
        // A smaller claim within the same pages is the same file size: accepted, as it maps fine.
        const PayloadHeader h = make_payload_header(PayloadOrigin::Vulkan, 1);
        Fd fd(crafted_memfd(file_size, &h, kPayloadSeals));
        ASSERT_GE(fd.get(), 0);
        EXPECT_CHECK(fd.get(), PayloadCheck::Ok);
    }
}

TEST(ReadPayloadHeader, AcceptsAnotherDescriptorOfThePayload) {
    Fd fd(create_payload_file(make_payload_header(PayloadOrigin::D3D12Resource, 777)));
    ASSERT_GE(fd.get(), 0);
    Fd dup_fd(fcntl(fd.get(), F_DUPFD_CLOEXEC, 0));
    ASSERT_GE(dup_fd.get(), 0);
    // Reopened through /proc, as another process reaching the memfd would: a new open file.
    Fd reopened(open(("/proc/self/fd/" + std::to_string(fd.get())).c_str(), O_RDWR | O_CLOEXEC));
    ASSERT_GE(reopened.get(), 0);
    for (const int d : {dup_fd.get(), reopened.get()}) {
        PayloadHeader h{};
        ASSERT_EQ(read_payload_header(d, &h), PayloadCheck::Ok);
        EXPECT_EQ(h.size, 777u);
        EXPECT_EQ(h.origin, uint32_t(PayloadOrigin::D3D12Resource));
    }
    // The check reads with pread: the file offset is left alone.
    EXPECT_EQ(lseek(fd.get(), 0, SEEK_CUR), 0);
}

// ---- map_payload ----------------------------------------------------------------------------------

TEST(MapPayload, MapsTheBytesAfterTheHeader) {
    for (const uint64_t size : {uint64_t{1}, uint64_t{4096}, 3 * kPage + 123}) {
        SCOPED_TRACE(size);
        Fd fd(create_payload_file(make_payload_header(PayloadOrigin::Vulkan, size)));
        ASSERT_GE(fd.get(), 0);
        std::vector<std::byte> bytes(size);
        for (uint64_t i = 0; i < size; ++i)
            bytes[i] = pattern_byte(i, 5);
        ASSERT_EQ(pwrite(fd.get(), bytes.data(), size, off_t(kPayloadHeaderSize)), ssize_t(size));

        std::byte* data = map_payload(fd.get(), size);
        ASSERT_NE(data, nullptr);
        EXPECT_EQ(reinterpret_cast<uintptr_t>(data) % kPage, 0u);
        uint64_t mismatches = 0;
        for (uint64_t i = 0; i < size; ++i)
            mismatches += data[i] != pattern_byte(i, 5);
        EXPECT_EQ(mismatches, 0u) << "the mapping is not the file's bytes at offset 4096";

        // Writing every byte of the mapping leaves the header alone.
        std::memset(data, 0xff, size);
        PayloadHeader h{};
        EXPECT_EQ(read_payload_header(fd.get(), &h), PayloadCheck::Ok) << "the mapping reached the header";
        EXPECT_EQ(h.size, size);
        std::vector<std::byte> back(size);
        ASSERT_EQ(pread(fd.get(), back.data(), size, off_t(kPayloadHeaderSize)), ssize_t(size));
        EXPECT_EQ(std::memcmp(back.data(), data, size), 0);
        unmap_payload(data, size);
    }
}

TEST(MapPayload, TwoMappingsSeeEachOthersWrites) {
    const uint64_t size = 2 * kPage + 5;
    Fd fd(create_payload_file(make_payload_header(PayloadOrigin::D3D12Heap, size)));
    ASSERT_GE(fd.get(), 0);
    std::byte* a = map_payload(fd.get(), size);
    // Through another descriptor of the same file, as an importer's.
    Fd other(open(("/proc/self/fd/" + std::to_string(fd.get())).c_str(), O_RDWR | O_CLOEXEC));
    ASSERT_GE(other.get(), 0);
    std::byte* b = map_payload(other.get(), size);
    ASSERT_NE(a, nullptr);
    ASSERT_NE(b, nullptr);
    ASSERT_NE(a, b);
    for (uint64_t i = 0; i < size; ++i)
        a[i] = pattern_byte(i, 9);
    uint64_t mismatches = 0;
    for (uint64_t i = 0; i < size; ++i)
        mismatches += b[i] != pattern_byte(i, 9);
    EXPECT_EQ(mismatches, 0u);
    b[0] = std::byte{0xa5};
    b[size - 1] = std::byte{0x5a};
    EXPECT_EQ(a[0], std::byte{0xa5});
    EXPECT_EQ(a[size - 1], std::byte{0x5a});
    unmap_payload(a, size);
    unmap_payload(b, size);
}

TEST(MapPayload, AnotherProcessSeesTheBytes) {
    const uint64_t size = kPage;
    Fd fd(create_payload_file(make_payload_header(PayloadOrigin::Vulkan, size)));
    ASSERT_GE(fd.get(), 0);
    std::byte* data = map_payload(fd.get(), size);
    ASSERT_NE(data, nullptr);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        // Its own mapping of the inherited descriptor.
        std::byte* mine = map_payload(fd.get(), size);
        if (!mine)
            _exit(1);
        std::memset(mine, 0x42, size);
        _exit(0);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_EQ(data[0], std::byte{0x42});
    EXPECT_EQ(data[size - 1], std::byte{0x42});
    unmap_payload(data, size);
}

TEST(MapPayload, RefusedMappingsAreNull) {
    EXPECT_EQ(map_payload(-1, kPage), nullptr);
    Fd fd(create_payload_file(make_payload_header(PayloadOrigin::Vulkan, kPage)));
    ASSERT_GE(fd.get(), 0);
    EXPECT_EQ(map_payload(fd.get(), 0), nullptr);
    Fd null(open("/dev/null", O_RDWR | O_CLOEXEC));
    ASSERT_GE(null.get(), 0);
    EXPECT_EQ(map_payload(null.get(), kPage), nullptr);
    unmap_payload(nullptr, kPage);  // harmless
}

// ---- Identity -------------------------------------------------------------------------------------

bool is_version5_uuid(const uint8_t* u) { return (u[6] >> 4) == 5 && (u[8] & 0xc0) == 0x80; }

bool all_zero(const uint8_t* p, size_t n) {
    for (size_t i = 0; i < n; ++i)
        if (p[i])
            return false;
    return true;
}

std::string identity_text() {
    const auto& id = kiln_identity();
    std::string text = "identity ";
    char hex[3];
    auto put = [&](const uint8_t* bytes, size_t n) {
        for (size_t i = 0; i < n; ++i) {
            std::snprintf(hex, sizeof hex, "%02x", bytes[i]);
            text += hex;
        }
        text += ' ';
    };
    put(id.driver_uuid, kUuidSize);
    put(id.device_uuid, kUuidSize);
    put(id.luid, sizeof id.luid);
    return text;
}

// When this program is run as the other process of Identity.IsTheSameInAnotherProcess: print
// the identity and exit, before gtest starts.
[[maybe_unused]] const bool printed_identity_for_parent = [] {
    if (!std::getenv("KILN_TEST_PRINT_IDENTITY"))
        return false;
    std::printf("%s\n", identity_text().c_str());
    std::fflush(stdout);
    _exit(0);
}();

TEST(Identity, UuidsAreStableVersion5AndDistinct) {
    const auto& id = kiln_identity();
    EXPECT_EQ(&kiln_identity(), &id) << "one identity per process";
    EXPECT_TRUE(is_version5_uuid(id.driver_uuid));
    EXPECT_TRUE(is_version5_uuid(id.device_uuid));
    EXPECT_FALSE(all_zero(id.driver_uuid, kUuidSize));
    EXPECT_FALSE(all_zero(id.device_uuid, kUuidSize));
    EXPECT_NE(std::memcmp(id.driver_uuid, id.device_uuid, kUuidSize), 0);
    EXPECT_FALSE(all_zero(id.luid, sizeof id.luid)) << "a LUID is never zero";
    EXPECT_EQ(identity_text(), identity_text());
}

TEST(Identity, IsTheSameInAnotherProcess) {
    // Headers made here are checked there: the UUIDs must not depend on anything of the process.
    // Exec'd, not only forked, so that nothing computed here is inherited.
    int p[2];
    ASSERT_EQ(pipe(p), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        close(p[0]);
        dup2(p[1], 1);
        setenv("KILN_TEST_PRINT_IDENTITY", "1", 1);
        execl("/proc/self/exe", "/proc/self/exe", static_cast<char*>(nullptr));
        _exit(127);
    }
    close(p[1]);
    std::string out;
    char buffer[512];
    for (ssize_t n; (n = read(p[0], buffer, sizeof buffer)) > 0;)
        out.append(buffer, size_t(n));
    close(p[0]);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << out;
    EXPECT_EQ(out, identity_text() + "\n");
}

}  // namespace
