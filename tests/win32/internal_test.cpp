// Unit-style tests of the handle model's internals (src/win32): payloads (their files, adopt_fd,
// map), the KMT and name registries, canonical names, the handle table's value rules. Links
// kiln_win32_core.
#include <gtest/gtest.h>

#include "win32_test_util.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <cstdio>
#include <utility>
#include <set>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "kiln/win32.h"
#include "win32/handle_table.h"
#include "win32/payload.h"

using namespace kiln::win32;
namespace memory = kiln::memory;

namespace {

Ref<Payload> make_payload(uint64_t size = 4096) {
    return Ref<Payload>::adopt(Payload::create(size, PayloadKind::D3D12Heap));
}

// The payload as a plain kernel object, with a reference of its own.
Ref<> as_object(const Ref<Payload>& p) { return Ref<>::share(p.get()); }

bool fd_is_open(int fd) { return fcntl(fd, F_GETFD) != -1; }

// Which file a descriptor reaches (inode, device); {0, 0} when it is not open.
std::pair<ino_t, dev_t> file_of(int fd) {
    struct stat st {};
    if (fstat(fd, &st) != 0)
        return {0, 0};
    return {st.st_ino, st.st_dev};
}

// A payload file no Payload object of this process knows yet (as one another process made).
int foreign_payload_file(uint64_t size, PayloadKind kind = PayloadKind::Vulkan) {
    return memory::create_payload_file(memory::make_payload_header(kind, size));
}

// A sealed memfd of `file_size` bytes that begins with `header` (when given).
int crafted_memfd(uint64_t file_size, const memory::PayloadHeader* header, bool seal) {
    const int fd = memfd_create("kiln-test-crafted", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return -1;
    if (ftruncate(fd, off_t(file_size)) != 0 ||
        (header && pwrite(fd, header, sizeof *header, 0) != ssize_t(sizeof *header)) ||
        (seal && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0)) {
        close(fd);
        return -1;
    }
    return fd;
}

}  // namespace

TEST(Payload, IsASealedPayloadFileOfTheGivenSize) {
    for (uint64_t size : {uint64_t(1), uint64_t(4096), uint64_t(12345), uint64_t(3) << 20}) {
        SCOPED_TRACE(size);
        Ref<Payload> p = make_payload(size);
        ASSERT_TRUE(p);
        EXPECT_EQ(p->size(), size) << "size() is the payload's bytes, without the header";
        EXPECT_EQ(p->kind(), PayloadKind::D3D12Heap);
        EXPECT_EQ(p->type(), ObjectType::Payload);
        const int fd = p->fd();
        ASSERT_GE(fd, 0);

        char link[PATH_MAX] = {};
        ASSERT_GT(readlink(("/proc/self/fd/" + std::to_string(fd)).c_str(), link, sizeof link - 1), 0);
        EXPECT_EQ(std::strncmp(link, "/memfd:", 7), 0) << link;
        EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC) << "payload fds must not leak into exec'd programs";

        // The file: the header page, then the payload's bytes in whole pages.
        const uint64_t file_size = memory::payload_file_size(size);
        EXPECT_EQ(file_size, memory::kPayloadHeaderSize + (size + 4095) / 4096 * 4096);
        struct stat st {};
        ASSERT_EQ(fstat(fd, &st), 0);
        EXPECT_EQ(uint64_t(st.st_size), file_size);

        // Its header is the payload's.
        memory::PayloadHeader header{};
        ASSERT_EQ(memory::read_payload_header(fd, &header), memory::PayloadCheck::Ok);
        EXPECT_EQ(header.size, size);
        EXPECT_EQ(header.origin, uint32_t(PayloadKind::D3D12Heap));
        EXPECT_EQ(std::memcmp(&header, &p->header(), sizeof header), 0);

        const int seals = fcntl(fd, F_GET_SEALS);
        ASSERT_GE(seals, 0);
        EXPECT_EQ(seals & (F_SEAL_SHRINK | F_SEAL_GROW), F_SEAL_SHRINK | F_SEAL_GROW);
        EXPECT_FALSE(seals & F_SEAL_WRITE) << "a payload must stay writable";

        errno = 0;
        EXPECT_NE(ftruncate(fd, 0), 0) << "shrinking a payload succeeded";
        EXPECT_EQ(errno, EPERM);
        EXPECT_NE(ftruncate(fd, off_t(file_size) * 2), 0) << "growing a payload succeeded";
        EXPECT_NE(ftruncate(fd, off_t(file_size) - 1), 0);
        EXPECT_NE(ftruncate(fd, off_t(memory::kPayloadHeaderSize)), 0);
        ASSERT_EQ(fstat(fd, &st), 0);
        EXPECT_EQ(uint64_t(st.st_size), file_size);

        // Shared, writable pages after the header: the payload's mapping and a raw one at offset
        // kPayloadHeaderSize see each other's bytes.
        auto* a = reinterpret_cast<unsigned char*>(p->map());
        void* b = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off_t(memory::kPayloadHeaderSize));
        ASSERT_NE(a, nullptr);
        ASSERT_NE(b, MAP_FAILED);
        a[size - 1] = 0xa5;
        EXPECT_EQ(static_cast<unsigned char*>(b)[size - 1], 0xa5);
        static_cast<unsigned char*>(b)[0] = 0x5a;
        EXPECT_EQ(a[0], 0x5a);
        munmap(b, size);
        // ... and leave the header alone.
        std::memset(a, 0xff, size);
        EXPECT_EQ(memory::read_payload_header(fd, &header), memory::PayloadCheck::Ok);
    }
    EXPECT_EQ(Payload::create(0, PayloadKind::Vulkan), nullptr);
    EXPECT_EQ(Payload::create(UINT64_MAX, PayloadKind::Vulkan), nullptr);
}

TEST(Payload, CreateFromAHeaderKeepsItsFields) {
    const memory::PayloadHeader made =
        memory::make_payload_header(PayloadKind::D3D11Texture, 8192, 2, 0x1234567890abcdefull);
    Ref<Payload> p = Ref<Payload>::adopt(Payload::create(made));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->size(), 8192u);
    EXPECT_EQ(p->kind(), PayloadKind::D3D11Texture);
    EXPECT_EQ(std::memcmp(&p->header(), &made, sizeof made), 0);
    memory::PayloadHeader in_file{};
    ASSERT_EQ(memory::read_payload_header(p->fd(), &in_file), memory::PayloadCheck::Ok);
    EXPECT_EQ(in_file.memory_type, 2u);
    EXPECT_EQ(in_file.dedicated, 0x1234567890abcdefull);
    // The kinds are the payload file's origins.
    static_assert(std::is_same_v<PayloadKind, memory::PayloadOrigin>);
}

TEST(Payload, FdIsClosedWithTheLastReference) {
    Ref<Payload> p = make_payload();
    ASSERT_TRUE(p);
    const int fd = p->fd();
    struct stat before {};
    ASSERT_EQ(fstat(fd, &before), 0);
    Ref<Payload> second = p;
    EXPECT_EQ(p->references(), 2u);
    p = Ref<Payload>();
    struct stat st {};
    EXPECT_EQ(fstat(fd, &st), 0) << "fd closed while a reference remained";
    second = Ref<Payload>();
    // The fd number may be reused by another open at once; it must no longer be our memfd.
    if (fstat(fd, &st) == 0) {
        EXPECT_FALSE(st.st_ino == before.st_ino && st.st_dev == before.st_dev);
    }
}

// ---- Payload::adopt_fd ----

TEST(PayloadAdoptFd, ASecondDescriptorOfAKnownFileIsTheSameObject) {
    Ref<Payload> p = make_payload(8192);
    ASSERT_TRUE(p);
    const uint32_t refs = p->references();
    const auto file = file_of(p->fd());
    // A dup (same open file) and a reopen through /proc (a new open file, as the broker or an
    // application's SCM_RIGHTS would hand over): both reach the same payload file.
    const int dup_fd = fcntl(p->fd(), F_DUPFD_CLOEXEC, 0);
    ASSERT_GE(dup_fd, 0);
    const int reopened = open(("/proc/self/fd/" + std::to_string(p->fd())).c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_GE(reopened, 0);
    for (const int fd : {dup_fd, reopened}) {
        SCOPED_TRACE(fd);
        memory::PayloadCheck check = memory::PayloadCheck::NotKiln;
        Ref<Payload> q = Payload::adopt_fd(fd, &check);
        EXPECT_EQ(check, memory::PayloadCheck::Ok);
        ASSERT_TRUE(q);
        EXPECT_EQ(q.get(), p.get()) << "one object per payload file per process";
        EXPECT_EQ(p->references(), refs + 1) << "adopt_fd returns a reference of its own";
        EXPECT_FALSE(fd_is_open(fd)) << "the second descriptor was not closed";
        EXPECT_TRUE(fd_is_open(p->fd()));
        EXPECT_EQ(file_of(p->fd()), file) << "the payload lost its own descriptor";
    }
    EXPECT_EQ(p->references(), refs);
}

TEST(PayloadAdoptFd, AnUnknownPayloadFileBecomesAPayloadThatOwnsTheDescriptor) {
    const uint64_t size = 3 * 4096 + 17;
    const int fd = foreign_payload_file(size, PayloadKind::D3D12Resource);
    ASSERT_GE(fd, 0);
    const auto file = file_of(fd);
    unsigned char byte = 0x6b;
    ASSERT_EQ(pwrite(fd, &byte, 1, off_t(memory::kPayloadHeaderSize) + off_t(size) - 1), 1);

    memory::PayloadCheck check = memory::PayloadCheck::NotKiln;
    Ref<Payload> p = Payload::adopt_fd(fd, &check);
    EXPECT_EQ(check, memory::PayloadCheck::Ok);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->fd(), fd) << "the payload owns the descriptor it was given";
    EXPECT_EQ(p->size(), size) << "the size is the header's";
    EXPECT_EQ(p->kind(), PayloadKind::D3D12Resource);
    EXPECT_EQ(p->type(), ObjectType::Payload);
    EXPECT_EQ(p->references(), 1u);
    auto* data = reinterpret_cast<unsigned char*>(p->map());
    ASSERT_NE(data, nullptr);
    EXPECT_EQ(data[size - 1], 0x6b) << "the mapping is not the file's bytes after the header";

    // Known now: another descriptor of it finds this object.
    const int again = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    ASSERT_GE(again, 0);
    Ref<Payload> q = Payload::adopt_fd(again, &check);
    EXPECT_EQ(q.get(), p.get());
    EXPECT_FALSE(fd_is_open(again));
    q = Ref<Payload>();

    // Gone with its last reference: the descriptor closes, and the file is no longer known.
    const int keep = fcntl(fd, F_DUPFD_CLOEXEC, 0);  // the test's own hold on the file
    ASSERT_GE(keep, 0);
    p = Ref<Payload>();
    if (fd_is_open(fd)) {
        EXPECT_NE(file_of(fd), file) << "the descriptor outlived its payload";
    }
    Ref<Payload> fresh = Payload::adopt_fd(keep, &check);
    ASSERT_TRUE(fresh) << int(check);
    EXPECT_EQ(fresh->fd(), keep);
    EXPECT_EQ(fresh->size(), size);
    EXPECT_EQ(reinterpret_cast<unsigned char*>(fresh->map())[size - 1], 0x6b);
}

TEST(PayloadAdoptFd, ForeignDescriptorsAreRefusedAndLeftOpen) {
    struct Case {
        std::string what;
        int fd;
        memory::PayloadCheck expected;
    };
    std::vector<Case> cases;
    int pipe_fds[2];
    ASSERT_EQ(pipe2(pipe_fds, O_CLOEXEC), 0);
    cases.push_back({"pipe read end", pipe_fds[0], memory::PayloadCheck::NotAFile});
    cases.push_back({"pipe write end", pipe_fds[1], memory::PayloadCheck::NotAFile});
    cases.push_back({"/dev/null", open("/dev/null", O_RDWR | O_CLOEXEC), memory::PayloadCheck::NotAFile});
    FILE* file = std::tmpfile();
    ASSERT_NE(file, nullptr);
    const memory::PayloadHeader valid = memory::make_payload_header(PayloadKind::Vulkan, 4096);
    const uint64_t file_size = memory::payload_file_size(4096);
    ASSERT_EQ(ftruncate(fileno(file), off_t(file_size)), 0);
    ASSERT_EQ(pwrite(fileno(file), &valid, sizeof valid, 0), ssize_t(sizeof valid));
    cases.push_back({"regular file with a header", fileno(file), memory::PayloadCheck::NotSealed});
    cases.push_back({"unsealed memfd with a header", crafted_memfd(file_size, &valid, false),
                     memory::PayloadCheck::NotSealed});
    cases.push_back({"sealed memfd without a header", crafted_memfd(file_size, nullptr, true),
                     memory::PayloadCheck::NotKiln});
    memory::PayloadHeader wrong_version = valid;
    wrong_version.version = memory::kPayloadVersion + 1;
    cases.push_back({"sealed memfd, next version", crafted_memfd(file_size, &wrong_version, true),
                     memory::PayloadCheck::NotKiln});
    const memory::PayloadHeader too_big = memory::make_payload_header(PayloadKind::Vulkan, 1 << 20);
    cases.push_back({"header claims more than the file", crafted_memfd(file_size, &too_big, true),
                     memory::PayloadCheck::BadSize});

    for (const Case& c : cases) {
        SCOPED_TRACE(c.what);
        ASSERT_GE(c.fd, 0);
        const auto file_before = file_of(c.fd);
        memory::PayloadCheck check = memory::PayloadCheck::Ok;
        Ref<Payload> p = Payload::adopt_fd(c.fd, &check);
        EXPECT_FALSE(p);
        EXPECT_EQ(int(check), int(c.expected));
        EXPECT_TRUE(fd_is_open(c.fd)) << "a refused descriptor must stay the caller's";
        EXPECT_EQ(file_of(c.fd), file_before);
    }
    for (const Case& c : cases)
        if (c.fd != fileno(file))
            close(c.fd);
    std::fclose(file);

    memory::PayloadCheck check = memory::PayloadCheck::Ok;
    EXPECT_FALSE(Payload::adopt_fd(-1, &check));
    EXPECT_EQ(check, memory::PayloadCheck::NotAFile);
}

// ---- Payload::map ----

TEST(PayloadMap, OneMappingPerPayloadWhoeverAsks) {
    const uint64_t size = 5 * 4096 + 3;
    Ref<Payload> p = make_payload(size);
    ASSERT_TRUE(p);
    std::byte* data = p->map();
    ASSERT_NE(data, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(data) % 4096, 0u);
    EXPECT_EQ(p->map(), data) << "a second map() made a second mapping";

    // Threads asking at once all get the one mapping.
    std::vector<std::thread> threads;
    std::vector<std::byte*> seen(8);
    for (size_t t = 0; t < seen.size(); ++t)
        threads.emplace_back([&, t] { seen[t] = p->map(); });
    for (auto& t : threads)
        t.join();
    for (std::byte* s : seen)
        EXPECT_EQ(s, data);

    // An import of the same file in this process shares it.
    memory::PayloadCheck check;
    Ref<Payload> imported = Payload::adopt_fd(fcntl(p->fd(), F_DUPFD_CLOEXEC, 0), &check);
    ASSERT_TRUE(imported);
    EXPECT_EQ(imported->map(), data);

    // The mapping is the file's bytes after the header, both ways.
    for (uint64_t i = 0; i < size; ++i)
        data[i] = std::byte(uint8_t(i * 7));
    std::vector<std::byte> read(size);
    ASSERT_EQ(pread(p->fd(), read.data(), size, off_t(memory::kPayloadHeaderSize)), ssize_t(size));
    EXPECT_EQ(std::memcmp(read.data(), data, size), 0);
    const unsigned char byte = 0xee;
    ASSERT_EQ(pwrite(p->fd(), &byte, 1, off_t(memory::kPayloadHeaderSize) + 100), 1);
    EXPECT_EQ(data[100], std::byte{0xee});
    memory::PayloadHeader header{};
    EXPECT_EQ(memory::read_payload_header(p->fd(), &header), memory::PayloadCheck::Ok);
}

TEST(PayloadMap, TheMappingGoesWithTheObject) {
    const uint64_t size = 4 * 4096;
    Ref<Payload> p = make_payload(size);
    ASSERT_TRUE(p);
    std::byte* data = p->map();
    ASSERT_NE(data, nullptr);
    std::vector<unsigned char> residency(size / 4096);
    EXPECT_EQ(mincore(data, size, residency.data()), 0);
    p = Ref<Payload>();
    errno = 0;
    EXPECT_NE(mincore(data, size, residency.data()), 0) << "the payload's mapping outlived it";
    EXPECT_EQ(errno, ENOMEM);
}

TEST(PayloadMap, APayloadNeverMappedIsNotMapped) {
    // Mapping is lazy: a payload that only passes through (a handle handed on) costs no mapping.
    Ref<Payload> p = make_payload(1 << 20);
    ASSERT_TRUE(p);
    FILE* maps = std::fopen("/proc/self/maps", "r");
    ASSERT_NE(maps, nullptr);
    const auto file = file_of(p->fd());
    char line[1024];
    bool mapped = false;
    while (std::fgets(line, sizeof line, maps)) {
        unsigned long long inode = 0;
        char path[512] = {};
        if (std::sscanf(line, "%*s %*s %*s %*s %llu %511[^\n]", &inode, path) == 2 && inode == file.first &&
            std::strstr(path, "kiln-payload"))
            mapped = true;
    }
    std::fclose(maps);
    EXPECT_FALSE(mapped) << "mapped before anyone asked";
    ASSERT_NE(p->map(), nullptr);
}

TEST(Kmt, LookupFindsThePayloadWhileAliveAndNothingAfterTheLastReference) {
    Ref<Payload> p = make_payload();
    Ref<Payload> q = make_payload();
    ASSERT_TRUE(p && q);
    EXPECT_EQ(p->kmt(), 0u);
    const uint32_t v = register_kmt(*p);
    EXPECT_NE(v, 0u);
    EXPECT_EQ(p->kmt(), v);
    EXPECT_EQ(register_kmt(*p), v) << "a payload has one KMT value";
    EXPECT_EQ(v & 3, 2u) << "D3DKMT-style values (never an NT handle value)";
    const uint32_t w = register_kmt(*q);
    EXPECT_NE(w, v);

    const uint32_t refs = p->references();
    {
        Ref<Payload> found = lookup_kmt(v);
        ASSERT_TRUE(found);
        EXPECT_EQ(found.get(), p.get());
        EXPECT_EQ(p->references(), refs + 1) << "lookup returns a reference of its own";
    }
    EXPECT_EQ(p->references(), refs) << "the KMT value itself holds no reference";
    EXPECT_EQ(lookup_kmt(w).get(), q.get());
    EXPECT_FALSE(lookup_kmt(0));
    EXPECT_FALSE(lookup_kmt(v + 4 * 1000));
    EXPECT_FALSE(lookup_kmt(v + 1));

    // A holder other than the first reference keeps it alive.
    Ref<Payload> holder = p;
    p = Ref<Payload>();
    EXPECT_EQ(lookup_kmt(v).get(), holder.get());
    holder = Ref<Payload>();
    EXPECT_FALSE(lookup_kmt(v)) << "the KMT value outlived its payload";
    EXPECT_EQ(lookup_kmt(w).get(), q.get()) << "another payload's value went too";

    // Values are not handed out again to a new payload.
    Ref<Payload> r = make_payload();
    EXPECT_NE(register_kmt(*r), v);
}

TEST(Names, OpenNameFindsAPayloadByNameOnlyWhileItLives) {
    Ref<Payload> p = make_payload();
    ASSERT_EQ(bind_name(*p, kiln_test::test_name(u"Local\\kiln-unit-name").c_str()), NameStatus::Ok);
    EXPECT_EQ(p->name(), kiln_test::test_name(u"Local\\kiln-unit-name").c_str());
    const uint32_t refs = p->references();
    {
        Ref<> found;
        ASSERT_EQ(open_name(kiln_test::test_name(u"Local\\kiln-unit-name").c_str(), &found), NameStatus::Ok);
        EXPECT_EQ(found.get(), p.get());
        EXPECT_EQ(p->references(), refs + 1);
        Ref<> bare;
        ASSERT_EQ(open_name(kiln_test::test_name(u"kiln-unit-name").c_str(), &bare), NameStatus::Ok) << "a bare name is the Local\\ name";
        EXPECT_EQ(bare.get(), p.get());
    }
    EXPECT_EQ(p->references(), refs) << "the name holds no reference";
    Ref<> none;
    EXPECT_EQ(open_name(kiln_test::test_name(u"Global\\kiln-unit-name").c_str(), &none), NameStatus::NotFound);
    EXPECT_EQ(open_name(kiln_test::test_name(u"Local\\KILN-UNIT-NAME").c_str(), &none), NameStatus::NotFound);
    EXPECT_EQ(open_name(u"Local\\", &none), NameStatus::Invalid);
    EXPECT_FALSE(none);

    Ref<Payload> other = make_payload();
    EXPECT_EQ(bind_name(*other, kiln_test::test_name(u"kiln-unit-name").c_str()), NameStatus::AlreadyExists);
    EXPECT_TRUE(other->name().empty());

    p = Ref<Payload>();
    EXPECT_EQ(open_name(kiln_test::test_name(u"Local\\kiln-unit-name").c_str(), &none), NameStatus::NotFound) << "the name outlived its object";
    EXPECT_FALSE(none);
    // The name is free again; the failed bind above left nothing behind.
    ASSERT_EQ(bind_name(*other, kiln_test::test_name(u"kiln-unit-name").c_str()), NameStatus::Ok);
    EXPECT_EQ(other->name(), kiln_test::test_name(u"Local\\kiln-unit-name").c_str());
    Ref<> found;
    ASSERT_EQ(open_name(kiln_test::test_name(u"Local\\kiln-unit-name").c_str(), &found), NameStatus::Ok);
    EXPECT_EQ(found.get(), other.get());
}

TEST(Names, CanonicalNameRules) {
    struct Case {
        const char16_t* name;
        NameStatus status;
        const char16_t* key;
    };
    const Case cases[] = {
        {u"a", NameStatus::Ok, u"Local\\a"},
        {u"Local\\a", NameStatus::Ok, u"Local\\a"},
        {u"Global\\a", NameStatus::Ok, u"Global\\a"},
        {u"Local\\A", NameStatus::Ok, u"Local\\A"},  // case kept: names are case-sensitive
        {u"LocalX", NameStatus::Ok, u"Local\\LocalX"},
        {u"Local", NameStatus::Ok, u"Local\\Local"},
        {u"Global", NameStatus::Ok, u"Local\\Global"},
        {u"Local\\Global", NameStatus::Ok, u"Local\\Global"},
        {u"Local\\ spaced name.1", NameStatus::Ok, u"Local\\ spaced name.1"},
        {u"\u6f22\u5b57", NameStatus::Ok, u"Local\\\u6f22\u5b57"},
        {u"", NameStatus::Invalid, nullptr},
        {nullptr, NameStatus::Invalid, nullptr},
        {u"Local\\", NameStatus::Invalid, nullptr},
        {u"Global\\", NameStatus::Invalid, nullptr},
        {u"Local\\a\\b", NameStatus::Invalid, nullptr},
        {u"Global\\a\\b", NameStatus::Invalid, nullptr},
        {u"Local\\Global\\a", NameStatus::Invalid, nullptr},
        {u"a\\b", NameStatus::Invalid, nullptr},
        {u"\\a", NameStatus::Invalid, nullptr},
        {u"a\\", NameStatus::Invalid, nullptr},
        {u"local\\a", NameStatus::Invalid, nullptr},  // not the prefix (case-sensitive): a '\' in the name
    };
    for (const Case& c : cases) {
        std::u16string key = u"untouched";
        const NameStatus status = canonical_name(c.name, &key);
        const std::string shown = c.name ? std::string(c.name, c.name + std::char_traits<char16_t>::length(c.name))
                                         : std::string("(null)");
        EXPECT_EQ(status, c.status) << shown;
        if (c.key) {
            EXPECT_EQ(key, std::u16string(c.key)) << shown;
        } else {
            EXPECT_EQ(key, u"untouched") << shown;
        }
    }
}

TEST(HandleTableUnit, ValuesAreNonZeroMultiplesOfFourAndHoldAReference) {
    HandleTable table;
    Ref<Payload> p = make_payload();
    const uint32_t refs = p->references();
    const Ref<> object = as_object(p);
    std::set<uintptr_t> values;
    for (int i = 0; i < 100; ++i) {
        const uintptr_t h = table.insert(object, 0x80000000u, i & 1);
        ASSERT_NE(h, 0u);
        EXPECT_EQ(h % 4, 0u);
        EXPECT_TRUE(values.insert(h).second);
    }
    EXPECT_EQ(table.live_count(), 100u);
    EXPECT_EQ(p->references(), refs + 1 + 100);
    HandleInfo info;
    ASSERT_TRUE(table.lookup(*values.begin(), &info));
    EXPECT_EQ(info.object.get(), p.get());
    EXPECT_EQ(info.access, 0x80000000u);
    info = HandleInfo();
    for (uintptr_t h : values)
        EXPECT_EQ(table.close(h), TableError::None);
    EXPECT_EQ(table.live_count(), 0u);
    EXPECT_EQ(p->references(), refs + 1);
    for (uintptr_t h : values) {
        EXPECT_EQ(table.close(h), TableError::InvalidHandle);
        EXPECT_FALSE(table.lookup(h, &info));
    }
}

TEST(HandleTableUnit, ProtectedHandleIsNotClosedUntilTheFlagIsCleared) {
    HandleTable table;
    Ref<Payload> p = make_payload();
    const uintptr_t h = table.insert(as_object(p), 0, HANDLE_FLAG_PROTECT_FROM_CLOSE);
    ASSERT_NE(h, 0u);
    EXPECT_EQ(table.close(h), TableError::ProtectedFromClose);
    EXPECT_EQ(table.live_count(), 1u);
    ASSERT_TRUE(table.set_flags(h, HANDLE_FLAG_PROTECT_FROM_CLOSE, 0));
    EXPECT_EQ(table.close(h), TableError::None);
    EXPECT_EQ(table.live_count(), 0u);
    EXPECT_EQ(table.close(h), TableError::InvalidHandle);
}

TEST(HandleTableUnit, PlacedValuesLiveBesideTheTablesOwnAndCloseOnce) {
    HandleTable table;
    Ref<Payload> p = make_payload();
    const uintptr_t placed = 0x40000004u;
    ASSERT_TRUE(table.insert_placed(placed, as_object(p), 7, 0));
    EXPECT_FALSE(table.insert_placed(placed, as_object(p), 7, 0));  // a value is placed once
    EXPECT_FALSE(table.insert_placed(0x1004u, as_object(p), 7, 0));  // not a placed value
    const uintptr_t own = table.insert(as_object(p), 0, 0);
    EXPECT_EQ(table.live_count(), 2u);
    HandleInfo info;
    ASSERT_TRUE(table.lookup(placed, &info));
    EXPECT_EQ(info.access, 7u);
    EXPECT_EQ(table.close(placed), TableError::None);
    EXPECT_EQ(table.close(placed), TableError::InvalidHandle);
    EXPECT_TRUE(table.lookup(own, &info));
    EXPECT_EQ(table.close(own), TableError::None);
    EXPECT_EQ(table.live_count(), 0u);
}

// docs/handles.md: a closed value is not handed out again until its slot has been reused 128
// times; slots are reused oldest-first once more than 64 are free.
TEST(HandleTableUnit, ClosedValueComesBackOnlyAfterItsSlotIsReused128Times) {
    HandleTable table;
    const Ref<> p = as_object(make_payload());
    // 65 slots, all freed: from now on every insert reuses the oldest free slot.
    constexpr int kSlots = 65;
    std::vector<uintptr_t> first;
    for (int i = 0; i < kSlots; ++i)
        first.push_back(table.insert(p, 0, 0));
    for (uintptr_t h : first)
        ASSERT_EQ(table.close(h), TableError::None);
    // Now every insert takes the oldest free slot, and the close puts it back last: the slots
    // go round in order, the first closed (`stale`'s) at inserts 1, 66, 131, ... Its value must
    // come back at its 128th reuse and not before, and no value may repeat earlier.
    const uintptr_t stale = first[0];
    std::set<uintptr_t> seen(first.begin(), first.end());
    int inserts = 0;
    bool came_back = false;
    while (inserts < 300 * kSlots) {
        const uintptr_t h = table.insert(p, 0, 0);
        ++inserts;
        ASSERT_EQ(table.close(h), TableError::None);
        if (h == stale) {
            came_back = true;
            break;
        }
        ASSERT_TRUE(seen.insert(h).second) << "a closed value came back after " << inserts << " inserts";
    }
    ASSERT_TRUE(came_back);
    EXPECT_EQ(inserts % kSlots, 1) << "not the stale value's slot";
    EXPECT_EQ((inserts - 1) / kSlots + 1, 128) << "the value came back after " << inserts << " inserts";
}
