// Kiln's own messages to the application (VK_EXT_debug_utils): report() writes one message in the
// layout of the Khronos validation layer -- severity, message ID, the objects with their names, the
// text -- and hands it to every messenger of the instance that wants its severity and type. With no
// messenger listening it does nothing (and costs two atomic loads).
//
//   report(*device, VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT, VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT,
//          "VUID-vkDestroyBuffer-buffer-00922", {"vkDestroyBuffer: ", why}, buffer);
//
// The text comes in pieces that report() joins: callers build no string, so running out of host
// memory drops the message inside report() and never fails (or throws out of) the command.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>

#include "object.h"
#include "vk_object_types.h"

namespace kiln {

class Device;
class Instance;

using MessageText = std::initializer_list<std::string_view>;

// One object a message is about.
struct DebugObject {
    VkObjectType type;
    uint64_t handle;
};

// The DebugObject of any Vulkan handle, its type taken from the registry (gen::ObjectTypeOf).
template <typename Handle>
DebugObject debug_object(Handle handle) {
    return {gen::ObjectTypeOf<Handle>::value, static_cast<uint64_t>(reinterpret_cast<uintptr_t>(handle))};
}

// The same, with a message assembled at run time (strict mode's: the caller's words, then the spec's).
void report(const Instance& instance, VkDebugUtilsMessageSeverityFlagBitsEXT severity,
            VkDebugUtilsMessageTypeFlagsEXT type, const char* message_id_name,
            std::span<const std::string_view> message, std::span<const DebugObject> objects = {});
void report(const Device& device, VkDebugUtilsMessageSeverityFlagBitsEXT severity,
            VkDebugUtilsMessageTypeFlagsEXT type, const char* message_id_name,
            std::span<const std::string_view> message, std::span<const DebugObject> objects = {});

// Messages about the instance alone (objects shown without names).
void report(const Instance& instance, VkDebugUtilsMessageSeverityFlagBitsEXT severity,
            VkDebugUtilsMessageTypeFlagsEXT type, const char* message_id_name, MessageText message,
            std::span<const DebugObject> objects = {});

// Messages about a device or its objects: the names given through vkSetDebugUtilsObjectNameEXT on
// this device are shown. The device's instance's messengers hear them.
void report(const Device& device, VkDebugUtilsMessageSeverityFlagBitsEXT severity,
            VkDebugUtilsMessageTypeFlagsEXT type, const char* message_id_name, MessageText message,
            std::span<const DebugObject> objects = {});

template <typename... Handles>
void report(const Device& device, VkDebugUtilsMessageSeverityFlagBitsEXT severity,
            VkDebugUtilsMessageTypeFlagsEXT type, const char* message_id_name, MessageText message,
            Handles... handles) {
    const DebugObject objects[] = {debug_object(handles)...};
    report(device, severity, type, message_id_name, message, std::span<const DebugObject>(objects));
}

// messageIdNumber for a message ID name: a stable 32-bit hash (FNV-1a), so that an application can
// filter on the number as it does on the validation layer's.
int32_t message_id_number(std::string_view message_id_name);

}  // namespace kiln
