// Unit-style tests of the handle model's internals (src/win32): payload memfds, the KMT and name
// registries, canonical names, the handle table's value rules. Links kiln_win32_core.
#include <gtest/gtest.h>

#include "win32_test_util.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "kiln/win32.h"
#include "win32/handle_table.h"
#include "win32/payload.h"

using namespace kiln::win32;

namespace {

Ref<Payload> make_payload(uint64_t size = 4096) {
    return Ref<Payload>::adopt(Payload::create(size, PayloadKind::D3D12Heap));
}

// The payload as a plain kernel object, with a reference of its own.
Ref<> as_object(const Ref<Payload>& p) { return Ref<>::share(p.get()); }

}  // namespace

TEST(Payload, IsASealedMemfdOfTheGivenSize) {
    for (uint64_t size : {uint64_t(1), uint64_t(4096), uint64_t(12345), uint64_t(3) << 20}) {
        SCOPED_TRACE(size);
        Ref<Payload> p = make_payload(size);
        ASSERT_TRUE(p);
        EXPECT_EQ(p->size(), size);
        EXPECT_EQ(p->kind(), PayloadKind::D3D12Heap);
        EXPECT_EQ(p->type(), ObjectType::Payload);
        const int fd = p->fd();
        ASSERT_GE(fd, 0);

        char link[PATH_MAX] = {};
        ASSERT_GT(readlink(("/proc/self/fd/" + std::to_string(fd)).c_str(), link, sizeof link - 1), 0);
        EXPECT_EQ(std::strncmp(link, "/memfd:", 7), 0) << link;
        EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC) << "payload fds must not leak into exec'd programs";

        struct stat st {};
        ASSERT_EQ(fstat(fd, &st), 0);
        EXPECT_EQ(uint64_t(st.st_size), size);

        const int seals = fcntl(fd, F_GET_SEALS);
        ASSERT_GE(seals, 0);
        EXPECT_EQ(seals & (F_SEAL_SHRINK | F_SEAL_GROW), F_SEAL_SHRINK | F_SEAL_GROW);
        EXPECT_FALSE(seals & F_SEAL_WRITE) << "a payload must stay writable";

        errno = 0;
        EXPECT_NE(ftruncate(fd, 0), 0) << "shrinking a payload succeeded";
        EXPECT_EQ(errno, EPERM);
        EXPECT_NE(ftruncate(fd, off_t(size) * 2), 0) << "growing a payload succeeded";
        EXPECT_NE(ftruncate(fd, off_t(size) - 1), 0);
        ASSERT_EQ(fstat(fd, &st), 0);
        EXPECT_EQ(uint64_t(st.st_size), size);

        // Shared, writable pages: two mappings see each other's bytes.
        void* a = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        void* b = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        ASSERT_NE(a, MAP_FAILED);
        ASSERT_NE(b, MAP_FAILED);
        static_cast<unsigned char*>(a)[size - 1] = 0xa5;
        EXPECT_EQ(static_cast<unsigned char*>(b)[size - 1], 0xa5);
        munmap(a, size);
        munmap(b, size);
    }
    EXPECT_EQ(Payload::create(0, PayloadKind::Vulkan), nullptr);
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
