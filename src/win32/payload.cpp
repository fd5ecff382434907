#include "payload.h"

#include <fcntl.h>
#include <mutex>
#include <unistd.h>
#include <unordered_map>

#include "broker_client.h"
#include "kiln/win32.h"

namespace kiln::win32 {

namespace {

struct Registry {
    std::mutex mutex;
    std::unordered_map<std::u16string, KernelObject*> names;
    std::unordered_map<uint32_t, Payload*> kmt;
    std::unordered_map<uint64_t, Payload*> by_gid;   // payloads known to the broker
    std::unordered_map<uint64_t, Payload*> by_file;  // every payload of this process, by file
    uint32_t next_kmt = 0x40000002;  // D3DKMT-style values, step 4 (used only without a broker)
};

Registry& registry() {
    static Registry* r = new Registry;  // never destroyed: objects may die at exit
    return *r;
}

const std::u16string kLocal = u"Local\\";
const std::u16string kGlobal = u"Global\\";

}  // namespace

// Takes a reference to a registered object unless its last one is being dropped right now.
template <typename T>
static bool retain_if_alive(T* object) {
    uint32_t refs = object->references();
    do {
        if (refs == 0)
            return false;
    } while (!object->try_retain(refs));
    return true;
}

Payload::~Payload() {
    {
        std::lock_guard lock(registry().mutex);
        if (kmt_)
            registry().kmt.erase(kmt_);
        if (gid_)
            registry().by_gid.erase(gid_);
        auto it = registry().by_file.find(file_id_);
        if (it != registry().by_file.end() && it->second == this)
            registry().by_file.erase(it);
    }
    if (gid_) {
        broker::Request request;
        request.gid = gid_;
        broker::Reply reply;
        broker_call(broker::Op::Release, request, -1, &reply, nullptr);  // best effort
    }
    unbind_name(*this);
    memory::unmap_payload(data_.load(std::memory_order_relaxed), size());
    if (fd_ >= 0)
        close(fd_);
}

Payload* Payload::create(const memory::PayloadHeader& header) {
    const int fd = memory::create_payload_file(header);
    if (fd < 0)
        return nullptr;
    auto* payload = new (std::nothrow) Payload(fd, header, memory::file_id_of(fd));
    if (!payload) {
        close(fd);
        return nullptr;
    }
    std::lock_guard lock(registry().mutex);
    registry().by_file[payload->file_id_] = payload;
    return payload;
}

Ref<Payload> Payload::adopt_fd(int fd, memory::PayloadCheck* check) {
    memory::PayloadHeader header;
    uint64_t id = 0;
    *check = memory::read_payload_header(fd, &header, &id);
    if (*check != memory::PayloadCheck::Ok)
        return {};
    {
        std::lock_guard lock(registry().mutex);
        auto it = registry().by_file.find(id);
        if (it != registry().by_file.end() && retain_if_alive(it->second)) {
            if (fd != it->second->fd_)
                close(fd);  // a second descriptor of a file this process already holds
            return Ref<Payload>::adopt(it->second);
        }
    }
    auto* payload = new (std::nothrow) Payload(fd, header, id);
    if (!payload) {
        *check = memory::PayloadCheck::NotAFile;
        return {};
    }
    std::lock_guard lock(registry().mutex);
    registry().by_file[id] = payload;  // (a racing twin would be replaced; both stay valid)
    return Ref<Payload>::adopt(payload);
}

std::byte* Payload::map() {
    if (std::byte* data = data_.load(std::memory_order_acquire))
        return data;
    std::lock_guard lock(map_mutex_);
    std::byte* data = data_.load(std::memory_order_relaxed);
    if (!data) {
        data = memory::map_payload(fd_, size());
        data_.store(data, std::memory_order_release);
    }
    return data;
}

uint64_t Payload::share(uint32_t* error) {
    {
        std::lock_guard lock(registry().mutex);
        if (gid_)
            return gid_;
    }
    broker::Request request;
    request.size = size();  // the broker checks it against the payload's header
    request.kind = header_.origin;
    broker::Reply reply;
    const uint32_t status = broker_call(broker::Op::Share, request, fd_, &reply, nullptr);
    if (status != ERROR_SUCCESS) {
        *error = status;
        return 0;
    }
    std::lock_guard lock(registry().mutex);
    if (gid_) {
        // Another thread shared it first; this process holds the second record at the broker
        // until it exits, which costs nothing but a line in kiln-handles.
        return gid_;
    }
    gid_ = reply.gid;
    registry().by_gid[gid_] = this;
    return gid_;
}

Ref<Payload> Payload::from_broker(const broker::Reply& reply, broker::UniqueFd fd) {
    {
        std::lock_guard lock(registry().mutex);
        auto it = registry().by_gid.find(reply.gid);
        if (it != registry().by_gid.end() && retain_if_alive(it->second))
            return Ref<Payload>::adopt(it->second);  // `fd` is a second descriptor of the same memfd
    }
    memory::PayloadCheck check;
    Ref<Payload> payload = adopt_fd(fd.get(), &check);
    if (!payload)
        return {};
    fd.release();  // the payload's now (or closed, when this process knew the file already)
    std::lock_guard lock(registry().mutex);
    if (!payload->gid_) {
        payload->gid_ = reply.gid;
        registry().by_gid[reply.gid] = payload.get();
    }
    return payload;
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

// Copies a canonical name into a broker request.
static bool put_name(const std::u16string& key, broker::Request* request) {
    if (key.size() > broker::kMaxNameUnits)
        return false;
    request->name_units = uint32_t(key.size());
    key.copy(request->name, key.size());
    return true;
}

NameStatus bind_name(Payload& object, const char16_t* name) {
    std::u16string key;
    const NameStatus status = canonical_name(name, &key);
    if (status != NameStatus::Ok)
        return status;
    // The broker holds the user's names: a name is unique across every process of the user.
    uint32_t error = ERROR_SUCCESS;
    broker::Request request;
    if (!put_name(key, &request))
        return NameStatus::Invalid;
    if (const uint64_t gid = object.share(&error)) {
        request.gid = gid;
        broker::Reply reply;
        const uint32_t bound = broker_call(broker::Op::BindName, request, -1, &reply, nullptr);
        if (bound == ERROR_ALREADY_EXISTS)
            return NameStatus::AlreadyExists;
        if (bound != ERROR_SUCCESS && bound != ERROR_NOT_SUPPORTED)
            return NameStatus::Invalid;
    }
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
    {
        std::lock_guard lock(registry().mutex);
        auto it = registry().names.find(key);
        // An object whose last reference is being dropped right now is as good as gone.
        if (it != registry().names.end() && retain_if_alive(it->second)) {
            *out = Ref<>::adopt(it->second);
            return NameStatus::Ok;
        }
    }
    // Another process's name: ask the broker.
    broker::Request request;
    if (!put_name(key, &request))
        return NameStatus::NotFound;
    broker::Reply reply;
    broker::UniqueFd fd;
    if (broker_call(broker::Op::OpenName, request, -1, &reply, &fd) != ERROR_SUCCESS || !fd.valid())
        return NameStatus::NotFound;
    Ref<Payload> payload = Payload::from_broker(reply, std::move(fd));
    if (!payload)
        return NameStatus::NotFound;
    *out = Ref<>::adopt(payload.leak());
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
    {
        std::lock_guard lock(registry().mutex);
        if (payload.kmt_)
            return payload.kmt_;
    }
    // The broker gives values unique across the user's processes; without one, this process's.
    uint32_t value = 0;
    uint32_t error = ERROR_SUCCESS;
    if (const uint64_t gid = payload.share(&error)) {
        broker::Request request;
        request.gid = gid;
        broker::Reply reply;
        if (broker_call(broker::Op::RegisterKmt, request, -1, &reply, nullptr) == ERROR_SUCCESS)
            value = reply.value;
    }
    std::lock_guard lock(registry().mutex);
    if (payload.kmt_)
        return payload.kmt_;
    if (!value) {
        value = registry().next_kmt;
        registry().next_kmt += 4;
    }
    payload.kmt_ = value;
    registry().kmt.emplace(value, &payload);
    return value;
}

Ref<Payload> lookup_kmt(uint32_t value) {
    {
        std::lock_guard lock(registry().mutex);
        auto it = registry().kmt.find(value);
        if (it != registry().kmt.end() && retain_if_alive(it->second))
            return Ref<Payload>::adopt(it->second);
    }
    broker::Request request;
    request.value = value;
    broker::Reply reply;
    broker::UniqueFd fd;
    if (broker_call(broker::Op::LookupKmt, request, -1, &reply, &fd) != ERROR_SUCCESS || !fd.valid())
        return {};
    Ref<Payload> payload = Payload::from_broker(reply, std::move(fd));
    if (payload) {
        std::lock_guard lock(registry().mutex);
        if (!payload->kmt_) {
            payload->kmt_ = value;
            registry().kmt.emplace(value, payload.get());
        }
    }
    return payload;
}

}  // namespace kiln::win32
