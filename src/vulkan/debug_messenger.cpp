// Debug messengers (VK_EXT_debug_utils): vkCreateDebugUtilsMessengerEXT,
// vkDestroyDebugUtilsMessengerEXT, vkSubmitDebugUtilsMessageEXT, and the instance's list.
#include "debug_messenger.h"

#include <mutex>

#include "instance.h"
#include "vk_entrypoints.h"

namespace kiln {

void DebugMessengers::add(DebugMessenger* messenger) {
    std::unique_lock lock(mutex_);
    messenger->previous_ = last_;
    messenger->next_ = nullptr;
    (last_ ? last_->next_ : first_) = messenger;
    last_ = messenger;
    update_filters();
}

void DebugMessengers::remove(DebugMessenger* messenger) {
    // Waits for every callback running now (they hold the lock shared) before the messenger leaves.
    std::unique_lock lock(mutex_);
    (messenger->previous_ ? messenger->previous_->next_ : first_) = messenger->next_;
    (messenger->next_ ? messenger->next_->previous_ : last_) = messenger->previous_;
    messenger->previous_ = messenger->next_ = nullptr;
    update_filters();
}

void DebugMessengers::set_lifetime_messengers(std::span<const VkDebugUtilsMessengerCreateInfoEXT> infos) {
    std::unique_lock lock(mutex_);
    lifetime_ = infos;
    update_filters();
}

void DebugMessengers::hear_lifetime_messengers(bool active) {
    std::unique_lock lock(mutex_);
    lifetime_active_ = active;
    update_filters();
}

void DebugMessengers::update_filters() {
    VkDebugUtilsMessageSeverityFlagsEXT severities = 0;
    VkDebugUtilsMessageTypeFlagsEXT types = 0;
    for (const DebugMessenger* m = first_; m; m = m->next_)
        severities |= m->severities, types |= m->types;
    if (lifetime_active_)
        for (const VkDebugUtilsMessengerCreateInfoEXT& info : lifetime_)
            severities |= info.messageSeverity, types |= info.messageType;
    severities_.store(severities, std::memory_order_release);
    types_.store(types, std::memory_order_release);
}

void DebugMessengers::deliver(VkDebugUtilsMessageSeverityFlagBitsEXT severity, VkDebugUtilsMessageTypeFlagsEXT types,
                              const VkDebugUtilsMessengerCallbackDataEXT& data) const {
    std::shared_lock lock(mutex_);
    // The callback's VkBool32 asks a layer to abort the call; a driver has no call to abort
    // ("The callback returns a VkBool32, which is interpreted in a layer-specified manner").
    if (lifetime_active_)
        for (const VkDebugUtilsMessengerCreateInfoEXT& info : lifetime_)
            if ((info.messageSeverity & severity) && (info.messageType & types))
                info.pfnUserCallback(severity, types, &data, info.pUserData);
    for (const DebugMessenger* m = first_; m; m = m->next_)
        if ((m->severities & severity) && (m->types & types))
            m->callback(severity, types, &data, m->user_data);
}

}  // namespace kiln

using namespace kiln;

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkCreateDebugUtilsMessengerEXT(VkInstance handle,
                                                                   const VkDebugUtilsMessengerCreateInfoEXT* pCreateInfo,
                                                                   const VkAllocationCallbacks* pAllocator,
                                                                   VkDebugUtilsMessengerEXT* pMessenger) {
    Instance* instance = Instance::from(handle);
    const HostAllocator allocator(pAllocator, instance->allocator.callbacks());
    DebugMessenger* messenger =
        create_object<DebugMessenger>(allocator, VK_SYSTEM_ALLOCATION_SCOPE_OBJECT, *pCreateInfo);
    if (!messenger)
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    instance->messengers.add(messenger);
    *pMessenger = messenger->handle();
    return VK_SUCCESS;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkDestroyDebugUtilsMessengerEXT(VkInstance handle, VkDebugUtilsMessengerEXT messenger,
                                                                const VkAllocationCallbacks* pAllocator) {
    if (messenger == VK_NULL_HANDLE)
        return;
    Instance* instance = Instance::from(handle);
    instance->messengers.remove(DebugMessenger::from(messenger));
    destroy_object(HostAllocator(pAllocator, instance->allocator.callbacks()), DebugMessenger::from(messenger));
}

// Through the Vulkan loader this never runs: the loader (1.3.239, terminator_SubmitDebugUtilsMessageEXT)
// delivers submitted messages to the application's messengers itself and calls no driver, so that
// a message is not heard once per driver. A loader-less caller of the ICD interface reaches it.
VKAPI_ATTR void VKAPI_CALL kiln_vkSubmitDebugUtilsMessageEXT(VkInstance handle,
                                                             VkDebugUtilsMessageSeverityFlagBitsEXT messageSeverity,
                                                             VkDebugUtilsMessageTypeFlagsEXT messageTypes,
                                                             const VkDebugUtilsMessengerCallbackDataEXT* pCallbackData) {
    Instance::from(handle)->messengers.deliver(messageSeverity, messageTypes, *pCallbackData);
}
