#include "payload.h"

#include <fcntl.h>
#include <mutex>
#include <sys/mman.h>
#include <unistd.h>
#include <unordered_map>

namespace kiln::win32 {

namespace {

struct Registry {
    std::mutex mutex;
    std::unordered_map<std::u16string, KernelObject*> names;
    std::unordered_map<uint32_t, Payload*> kmt;
    uint32_t next_kmt = 0x40000002;  // D3DKMT-style values: 0x4000000x, step 4
};

Registry& registry() {
    static Registry* r = new Registry;  // never destroyed: objects may die at exit
    return *r;
}

const std::u16string kLocal = u"Local\\";
const std::u16string kGlobal = u"Global\\";

}  // namespace

Payload::~Payload() {
    if (kmt_) {
        std::lock_guard lock(registry().mutex);
        registry().kmt.erase(kmt_);
    }
    unbind_name(*this);
    if (fd_ >= 0)
        close(fd_);
}

Payload* Payload::create(uint64_t size, PayloadKind kind) {
    if (size == 0)
        return nullptr;
    const int fd = memfd_create("kiln-payload", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return nullptr;
    // Sealed: no process holding the fd can shrink it under another's mapping.
    if (ftruncate(fd, off_t(size)) != 0 || fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
        close(fd);
        return nullptr;
    }
    return new (std::nothrow) Payload(fd, size, kind);
}

NameStatus canonical_name(const char16_t* name, std::u16string* key) {
    if (!name || !*name)
        return NameStatus::Invalid;
    std::u16string s(name);
    std::u16string prefix = kLocal;
    if (s.compare(0, kLocal.size(), kLocal) == 0) {
        s.erase(0, kLocal.size());
    } else if (s.compare(0, kGlobal.size(), kGlobal) == 0) {
        prefix = kGlobal;
        s.erase(0, kGlobal.size());
    }
    // Windows compares object names case-sensitively; the part after the prefix may not hold '\'.
    if (s.empty() || s.find(u'\\') != std::u16string::npos)
        return NameStatus::Invalid;
    *key = prefix + s;
    return NameStatus::Ok;
}

NameStatus bind_name(KernelObject& object, const char16_t* name) {
    std::u16string key;
    const NameStatus status = canonical_name(name, &key);
    if (status != NameStatus::Ok)
        return status;
    std::lock_guard lock(registry().mutex);
    if (!registry().names.emplace(key, &object).second)
        return NameStatus::AlreadyExists;
    object.set_name(key);
    return NameStatus::Ok;
}

NameStatus open_name(const char16_t* name, Ref<>* out) {
    std::u16string key;
    const NameStatus status = canonical_name(name, &key);
    if (status != NameStatus::Ok)
        return status;
    std::lock_guard lock(registry().mutex);
    auto it = registry().names.find(key);
    if (it == registry().names.end())
        return NameStatus::NotFound;
    // An object whose last reference is being dropped right now is as good as gone.
    KernelObject* object = it->second;
    uint32_t refs = object->references();
    do {
        if (refs == 0)
            return NameStatus::NotFound;
    } while (!object->try_retain(refs));
    *out = Ref<>::adopt(object);
    return NameStatus::Ok;
}

void unbind_name(KernelObject& object) {
    if (object.name().empty())
        return;
    std::lock_guard lock(registry().mutex);
    auto it = registry().names.find(object.name());
    if (it != registry().names.end() && it->second == &object)
        registry().names.erase(it);
}

uint32_t register_kmt(Payload& payload) {
    std::lock_guard lock(registry().mutex);
    if (!payload.kmt_) {
        payload.kmt_ = registry().next_kmt;
        registry().next_kmt += 4;
        registry().kmt.emplace(payload.kmt_, &payload);
    }
    return payload.kmt_;
}

Ref<Payload> lookup_kmt(uint32_t value) {
    std::lock_guard lock(registry().mutex);
    auto it = registry().kmt.find(value);
    if (it == registry().kmt.end())
        return {};
    Payload* payload = it->second;
    uint32_t refs = payload->references();
    do {
        if (refs == 0)
            return {};
    } while (!payload->try_retain(refs));
    return Ref<Payload>::adopt(payload);
}

}  // namespace kiln::win32
