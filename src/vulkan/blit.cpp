// vkCmdBlitImage: recorded with the images' layouts; exec/blit.cpp scales, filters and converts.
#include "command_buffer.h"
#include "exec/commands.h"
#include "image.h"
#include "vk_entrypoints.h"

using namespace kiln;

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdBlitImage(VkCommandBuffer handle, VkImage srcImage, VkImageLayout,
                                               VkImage dstImage, VkImageLayout, uint32_t regionCount,
                                               const VkImageBlit* pRegions, VkFilter filter) {
    auto* cmd = record<exec::BlitCmd, VkImageBlit>(CommandBuffer::from(handle), exec::Op::Blit, regionCount);
    if (!cmd)
        return;
    const Image* src = Image::from(srcImage);
    const Image* dst = Image::from(dstImage);
    cmd->src = {src->address(), &src->layout};
    cmd->dst = {dst->address(), &dst->layout};
    cmd->filter = filter;
    cmd->region_count = regionCount;
    std::copy(pRegions, pRegions + regionCount, exec::trailing<VkImageBlit>(cmd));
}
