// VkDebugUtilsMessengerEXT, and the messengers an instance delivers its messages to
// (VK_EXT_debug_utils).
#pragma once

#include <atomic>
#include <cstdint>
#include <shared_mutex>
#include <span>

#include "object.h"

namespace kiln {

// One messenger: which severities and types it wants, and whom to call.
class DebugMessenger {
public:
    KILN_HANDLE_CASTS(DebugMessenger, VkDebugUtilsMessengerEXT)

    explicit DebugMessenger(const VkDebugUtilsMessengerCreateInfoEXT& info)
        : severities(info.messageSeverity), types(info.messageType), callback(info.pfnUserCallback),
          user_data(info.pUserData) {}

    VkDebugUtilsMessageSeverityFlagsEXT severities;
    VkDebugUtilsMessageTypeFlagsEXT types;
    PFN_vkDebugUtilsMessengerCallbackEXT callback;
    void* user_data;

private:
    friend class DebugMessengers;
    DebugMessenger* previous_ = nullptr;  // the instance's list (no allocation to join it)
    DebugMessenger* next_ = nullptr;
};

// An instance's messengers. Thread-safe: one thread may create or destroy a messenger while
// others report. A messenger is called only while it is in the list, so once
// vkDestroyDebugUtilsMessengerEXT returns its callback is never called again.
class DebugMessengers {
public:
    void add(DebugMessenger* messenger);
    void remove(DebugMessenger* messenger);

    // The messengers chained to VkInstanceCreateInfo, which hear only what happens during
    // vkCreateInstance and vkDestroyInstance (VkDebugUtilsMessengerCreateInfoEXT: "only valid for
    // the duration of" those calls). `infos` must outlive the instance's use of them.
    void set_lifetime_messengers(std::span<const VkDebugUtilsMessengerCreateInfoEXT> infos);
    void hear_lifetime_messengers(bool active);

    // False when no messenger wants a message of this severity and type: callers skip the work of
    // writing it. Racy by design (a messenger made right now may miss the message it races with).
    bool anyone_wants(VkDebugUtilsMessageSeverityFlagBitsEXT severity, VkDebugUtilsMessageTypeFlagsEXT types) const {
        return (severities_.load(std::memory_order_acquire) & severity) &&
               (types_.load(std::memory_order_acquire) & types);
    }

    // Calls every messenger that wants the message, in creation order.
    void deliver(VkDebugUtilsMessageSeverityFlagBitsEXT severity, VkDebugUtilsMessageTypeFlagsEXT types,
                 const VkDebugUtilsMessengerCallbackDataEXT& data) const;

private:
    void update_filters();  // with mutex_ held exclusively

    // Shared while callbacks run, exclusive to change the list. The spec forbids callbacks to call
    // Vulkan (VUID-PFN_vkDebugUtilsMessengerCallbackEXT-None-04769), so they never take it again.
    mutable std::shared_mutex mutex_;
    DebugMessenger* first_ = nullptr;
    DebugMessenger* last_ = nullptr;
    std::span<const VkDebugUtilsMessengerCreateInfoEXT> lifetime_;
    bool lifetime_active_ = false;
    // The union of what every listening messenger wants, for anyone_wants().
    std::atomic<VkDebugUtilsMessageSeverityFlagsEXT> severities_{0};
    std::atomic<VkDebugUtilsMessageTypeFlagsEXT> types_{0};
};

}  // namespace kiln
