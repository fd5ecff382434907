// report(): one message, written and delivered to the instance's debug messengers.
#include "debug_report.h"

#include <cinttypes>
#include <cstdio>
#include <new>
#include <string>
#include <vector>

#include "device.h"
#include "instance.h"
#include "object_names.h"
#include "physical_device.h"

namespace kiln {

int32_t message_id_number(std::string_view message_id_name) {
    uint32_t hash = 2166136261u;
    for (const char c : message_id_name)
        hash = (hash ^ uint8_t(c)) * 16777619u;
    return static_cast<int32_t>(hash);
}

static const char* severity_word(VkDebugUtilsMessageSeverityFlagBitsEXT severity) {
    switch (severity) {
    case VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT: return "Error";
    case VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT: return "Warning";
    case VK_DEBUG_UTILS_MESSAGE_SEVERITY_INFO_BIT_EXT: return "Information";
    default: return "Verbose";
    }
}

// The validation layer's layout, so that tools and people who read its messages read Kiln's:
//   Kiln Error: [ <message ID> ] Object 0: handle = 0x..., name = <name>, type = VK_OBJECT_TYPE_...; | MessageID = 0x... | <text>
static std::string format(VkDebugUtilsMessageSeverityFlagBitsEXT severity, const char* message_id_name,
                          int32_t id_number, std::span<const std::string_view> message,
                          std::span<const VkDebugUtilsObjectNameInfoEXT> objects) {
    std::string text = "Kiln ";
    text += severity_word(severity);
    text += ": [ ";
    text += message_id_name;
    text += " ] ";
    char number[32];
    for (size_t i = 0; i < objects.size(); ++i) {
        std::snprintf(number, sizeof number, "0x%" PRIx64, objects[i].objectHandle);
        text += "Object " + std::to_string(i) + ": handle = " + number;
        if (objects[i].pObjectName) {
            text += ", name = ";
            text += objects[i].pObjectName;
        }
        const char* type = gen::object_type_name(objects[i].objectType);
        text += ", type = ";
        text += type ? type : std::to_string(int(objects[i].objectType));
        text += "; ";
    }
    std::snprintf(number, sizeof number, "0x%" PRIx32, static_cast<uint32_t>(id_number));
    text += "| MessageID = ";
    text += number;
    text += " | ";
    for (std::string_view piece : message)
        text += piece;
    return text;
}

static void deliver(const Instance& instance, const ObjectNames* names, VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                    VkDebugUtilsMessageTypeFlagsEXT type, const char* message_id_name,
                    std::span<const std::string_view> message, std::span<const DebugObject> objects) {
    if (!instance.messengers.anyone_wants(severity, type))
        return;
    // Reporting must never fail the command that reports: without memory the message is dropped.
    try {
        std::vector<std::string> object_names(objects.size());
        std::vector<VkDebugUtilsObjectNameInfoEXT> infos(objects.size());
        for (size_t i = 0; i < objects.size(); ++i) {
            if (names)
                object_names[i] = names->lookup(objects[i].type, objects[i].handle);
            infos[i].sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_OBJECT_NAME_INFO_EXT;
            infos[i].objectType = objects[i].type;
            infos[i].objectHandle = objects[i].handle;
            infos[i].pObjectName = object_names[i].empty() ? nullptr : object_names[i].c_str();
        }
        const int32_t id_number = message_id_number(message_id_name);
        const std::string text = format(severity, message_id_name, id_number, message, infos);

        VkDebugUtilsMessengerCallbackDataEXT data{};
        data.sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CALLBACK_DATA_EXT;
        data.pMessageIdName = message_id_name;
        data.messageIdNumber = id_number;
        data.pMessage = text.c_str();
        data.objectCount = uint32_t(infos.size());
        data.pObjects = infos.empty() ? nullptr : infos.data();
        instance.messengers.deliver(severity, type, data);
    } catch (const std::bad_alloc&) {
    }
}

void report(const Instance& instance, VkDebugUtilsMessageSeverityFlagBitsEXT severity,
            VkDebugUtilsMessageTypeFlagsEXT type, const char* message_id_name,
            std::span<const std::string_view> message, std::span<const DebugObject> objects) {
    deliver(instance, nullptr, severity, type, message_id_name, message, objects);
}

void report(const Device& device, VkDebugUtilsMessageSeverityFlagBitsEXT severity,
            VkDebugUtilsMessageTypeFlagsEXT type, const char* message_id_name,
            std::span<const std::string_view> message, std::span<const DebugObject> objects) {
    deliver(device.physical_device.instance, &device.object_names, severity, type, message_id_name, message,
            objects);
}

void report(const Instance& instance, VkDebugUtilsMessageSeverityFlagBitsEXT severity,
            VkDebugUtilsMessageTypeFlagsEXT type, const char* message_id_name, MessageText message,
            std::span<const DebugObject> objects) {
    report(instance, severity, type, message_id_name, std::span(message.begin(), message.size()), objects);
}

void report(const Device& device, VkDebugUtilsMessageSeverityFlagBitsEXT severity,
            VkDebugUtilsMessageTypeFlagsEXT type, const char* message_id_name, MessageText message,
            std::span<const DebugObject> objects) {
    report(device, severity, type, message_id_name, std::span(message.begin(), message.size()), objects);
}

}  // namespace kiln
