// Queue and command buffer labels (VK_EXT_debug_utils). Labels mark regions for tools (captures,
// profilers, layers); they have no effect on execution, and a driver need only accept them. Kiln
// reports nothing from queues or command buffers yet, so no message would carry them
// (VkDebugUtilsMessengerCallbackDataEXT::pQueueLabels/pCmdBufLabels): they are accepted and dropped.
// Recording nothing also keeps labels out of the command stream the queue worker replays.
#include "vk_entrypoints.h"

VKAPI_ATTR void VKAPI_CALL kiln_vkQueueBeginDebugUtilsLabelEXT(VkQueue, const VkDebugUtilsLabelEXT*) {}

VKAPI_ATTR void VKAPI_CALL kiln_vkQueueEndDebugUtilsLabelEXT(VkQueue) {}

VKAPI_ATTR void VKAPI_CALL kiln_vkQueueInsertDebugUtilsLabelEXT(VkQueue, const VkDebugUtilsLabelEXT*) {}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdBeginDebugUtilsLabelEXT(VkCommandBuffer, const VkDebugUtilsLabelEXT*) {}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdEndDebugUtilsLabelEXT(VkCommandBuffer) {}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdInsertDebugUtilsLabelEXT(VkCommandBuffer, const VkDebugUtilsLabelEXT*) {}
