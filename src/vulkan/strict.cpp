#include "strict.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "device.h"
#include "device_memory.h"
#include "instance.h"
#include "physical_device.h"
#include "vk_vuids.h"
#include "win32/handle_table.h"

namespace kiln {

StrictMode strict_mode_from_environment() {
    const char* value = std::getenv("KILN_STRICT");
    if (!value || !*value || std::strcmp(value, "off") == 0 || std::strcmp(value, "0") == 0)
        return StrictMode::Off;
    if (std::strcmp(value, "error") == 0)
        return StrictMode::Error;
    if (std::strcmp(value, "warn") == 0)
        return StrictMode::Warn;
    std::fprintf(stderr, "kiln: KILN_STRICT=%s is neither warn nor error: strict mode stays off\n", value);
    return StrictMode::Off;
}

StrictMode strict_mode(const Device& device) { return device.physical_device.instance.strict; }

namespace {

constexpr auto kError = VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
constexpr auto kWarning = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT;
constexpr auto kValidation = VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT;
constexpr const char* kSpecPage = "https://registry.khronos.org/vulkan/specs/1.3-extensions/html/vkspec.html#";
constexpr const char* kLeakId = "Kiln-Strict-NtHandleNeverClosed";

// The message pieces of a broken rule: what the application did, then the spec's words and where
// to read them, as the validation layer ends its messages.
std::vector<std::string_view> rule_message(const char* vuid, MessageText detail) {
    const gen::Vuid* rule = gen::find_vuid(vuid);
    std::vector<std::string_view> pieces(detail.begin(), detail.end());
    pieces.insert(pieces.end(), {" The Vulkan spec states: ",
                                 rule ? rule->text : "(a rule outside strict mode's scope)", " (", kSpecPage,
                                 vuid, ")"});
    return pieces;
}

void print(const char* message_id, std::span<const std::string_view> pieces) {
    std::string line = "kiln strict: [ ";
    line += message_id;
    line += " ] ";
    for (std::string_view piece : pieces)
        line += piece;
    line += '\n';
    std::fputs(line.c_str(), stderr);
}

// An NT handle given to the application, and what it referred to then.
struct NtExport {
    uintptr_t handle;
    const void* payload;
    VkDeviceMemory memory;
};

// Whether the application still holds the handle: the value is live and still refers to the same
// payload (handle values carry a generation, so a reused value is another handle).
bool still_open(const NtExport& e) {
    win32::HandleInfo info;
    return win32::HandleTable::current().lookup(e.handle, &info) && info.object.get() == e.payload;
}

std::string describe(std::span<const NtExport> open) {
    std::string text;
    char line[96];
    for (size_t i = 0; i < open.size() && i < 16; ++i) {
        std::snprintf(line, sizeof line, "%s0x%" PRIxPTR " (memory 0x%" PRIxPTR ")", i ? ", " : "", open[i].handle,
                      reinterpret_cast<uintptr_t>(open[i].memory));
        text += line;
    }
    if (open.size() > 16)
        text += ", ...";
    return text;
}

struct DeviceRecord {
    bool strict = false;  // of a strict instance: its NT exports are remembered
    std::vector<NtExport> exports;
    size_t sweep_at = 64;  // forget closed handles when the list reaches this length
};

// What strict mode knows of the strict devices' objects. One per driver; its destructor (at exit,
// or when the loader unloads the driver) reports the NT handles still open.
class Tracker {
public:
    ~Tracker() {
        std::vector<NtExport> open;
        for (const NtExport& e : orphans_)
            if (still_open(e))
                open.push_back(e);
        for (auto& [device, record] : devices_)
            for (const NtExport& e : record.exports)
                if (still_open(e))
                    open.push_back(e);
        if (open.empty())
            return;
        const std::string count = std::to_string(open.size());
        const std::string list = describe(open);
        const std::string_view pieces[] = {
            "at exit, ", count,
            " NT handles exported from Vulkan memory were never closed: ", list,
            ". Each keeps its payload alive; close it with CloseHandle when it is no longer needed."};
        print(kLeakId, pieces);
    }

    std::mutex mutex;
    std::unordered_map<const Device*, DeviceRecord> devices_;
    std::unordered_map<const DeviceMemory*, const Device*> memories_;
    std::vector<NtExport> orphans_;  // of destroyed devices, open when their device went
};

Tracker& tracker() {
    static Tracker instance;
    return instance;
}

std::atomic<size_t> g_strict_devices{0};

}  // namespace

bool strict_violation(const Device& device, const char* vuid, MessageText detail, std::span<const DebugObject> objects) {
    const StrictMode mode = strict_mode(device);
    if (mode == StrictMode::Off)
        return false;
    try {
        const std::vector<std::string_view> pieces = rule_message(vuid, detail);
        if (device.physical_device.instance.messengers.anyone_wants(kError, kValidation))
            report(device, kError, kValidation, vuid, pieces, objects);
        else
            print(vuid, pieces);
    } catch (const std::bad_alloc&) {
        // Reporting never fails the command: without memory the message is dropped.
    }
    return mode == StrictMode::Error;
}

void strict_track_device(Device& device) {
    const bool strict = strict_mode(device) != StrictMode::Off;
    Tracker& t = tracker();
    std::lock_guard lock(t.mutex);
    t.devices_[&device].strict = strict;
    if (strict)
        g_strict_devices.fetch_add(1, std::memory_order_relaxed);
}

void strict_untrack_device(Device& device) {
    Tracker& t = tracker();
    std::vector<NtExport> open;
    {
        std::lock_guard lock(t.mutex);
        auto it = t.devices_.find(&device);
        if (it == t.devices_.end())
            return;
        for (const NtExport& e : it->second.exports)
            if (still_open(e))
                open.push_back(e);
        t.orphans_.insert(t.orphans_.end(), open.begin(), open.end());
        if (it->second.strict)
            g_strict_devices.fetch_sub(1, std::memory_order_relaxed);
        t.devices_.erase(it);
        // Memory the application never freed goes with its device (VUID-vkDestroyDevice-device-00378).
        std::erase_if(t.memories_, [&](const auto& entry) { return entry.second == &device; });
    }
    if (open.empty())
        return;
    try {
        const std::string count = std::to_string(open.size());
        const std::string list = describe(open);
        const std::string_view pieces[] = {
            "vkDestroyDevice: ", count,
            " NT handles exported from this device's memory (vkGetMemoryWin32HandleKHR/NV) are still open: ", list,
            ". The application owns each one: close it with CloseHandle when it no longer needs it (an open NT "
            "handle keeps its payload alive). Strict mode reports them again at exit if they are never closed."};
        const DebugObject objects[] = {debug_object(device.handle())};
        if (device.physical_device.instance.messengers.anyone_wants(kWarning, kValidation))
            report(device, kWarning, kValidation, kLeakId, pieces, objects);
        else
            print(kLeakId, pieces);
    } catch (const std::bad_alloc&) {
    }
}

void strict_track_memory(const Device& device, const DeviceMemory& memory) {
    Tracker& t = tracker();
    std::lock_guard lock(t.mutex);
    t.memories_[&memory] = &device;
}

void strict_untrack_memory(const DeviceMemory& memory) {
    Tracker& t = tracker();
    std::lock_guard lock(t.mutex);
    t.memories_.erase(&memory);
}

bool strict_unknown_device(VkDevice device, const char* vuid, const char* command) {
    if (g_strict_devices.load(std::memory_order_relaxed) == 0)
        return false;
    Tracker& t = tracker();
    {
        std::lock_guard lock(t.mutex);
        if (t.devices_.count(Device::from(device)))
            return false;
    }
    try {
        std::vector<const Instance*> instances;
        {
            std::lock_guard lock(t.mutex);
            for (auto& [d, record] : t.devices_) {
                const Instance* instance = &d->physical_device.instance;
                if (record.strict && std::find(instances.begin(), instances.end(), instance) == instances.end())
                    instances.push_back(instance);
            }
        }
        const std::vector<std::string_view> pieces =
            rule_message(vuid, {command, ": the VkDevice is not a live device of this driver."});
        const DebugObject objects[] = {{VK_OBJECT_TYPE_DEVICE, uint64_t(reinterpret_cast<uintptr_t>(device))}};
        bool heard = false;
        for (const Instance* instance : instances)
            if (instance->messengers.anyone_wants(kError, kValidation)) {
                report(*instance, kError, kValidation, vuid, pieces, objects);
                heard = true;
            }
        if (!heard)
            print(vuid, pieces);
    } catch (const std::bad_alloc&) {
        // Reporting never fails the command: without memory the message is dropped.
    }
    return true;
}

const Device* strict_memory_owner(VkDeviceMemory memory) {
    Tracker& t = tracker();
    std::lock_guard lock(t.mutex);
    auto it = t.memories_.find(DeviceMemory::from(memory));
    return it == t.memories_.end() ? nullptr : it->second;
}

void strict_note_nt_export(const DeviceMemory& memory, uintptr_t handle) {
    Tracker& t = tracker();
    std::lock_guard lock(t.mutex);
    auto it = t.devices_.find(&memory.device);
    if (it == t.devices_.end() || !it->second.strict)
        return;
    DeviceRecord& record = it->second;
    try {
        if (record.exports.size() >= record.sweep_at) {
            std::erase_if(record.exports, [](const NtExport& e) { return !still_open(e); });
            record.sweep_at = std::max<size_t>(64, 2 * record.exports.size());
        }
        record.exports.push_back({handle, memory.payload.get(), memory.handle()});
    } catch (const std::bad_alloc&) {
    }
}

}  // namespace kiln
