#include "strict.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "device.h"
#include "instance.h"
#include "physical_device.h"
#include "vk_vuids.h"

namespace kiln {

StrictMode strict_mode() {
    static const StrictMode mode = [] {
        const char* value = std::getenv("KILN_STRICT");
        if (!value)
            return StrictMode::Off;
        if (std::strcmp(value, "error") == 0)
            return StrictMode::Error;
        if (std::strcmp(value, "warn") == 0)
            return StrictMode::Warn;
        std::fprintf(stderr, "kiln: KILN_STRICT=%s is neither warn nor error: strict mode stays off\n", value);
        return StrictMode::Off;
    }();
    return mode;
}

bool strict_violation(const Device& device, const char* vuid, MessageText detail, std::span<const DebugObject> objects) {
    const StrictMode mode = strict_mode();
    if (mode == StrictMode::Off)
        return false;
    const gen::Vuid* rule = gen::find_vuid(vuid);
    const char* text = rule ? rule->text : "(a rule outside strict mode's scope)";
    constexpr auto kSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
    constexpr auto kType = VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT;
    if (device.physical_device.instance.messengers.anyone_wants(kSeverity, kType)) {
        std::string_view pieces[8];
        size_t n = 0;
        for (std::string_view piece : detail)
            if (n < 6)
                pieces[n++] = piece;
        pieces[n++] = " The Vulkan spec states: ";
        pieces[n++] = text;
        // MessageText is an initializer list: spell the pieces out.
        report(device, kSeverity, kType, vuid,
               {pieces[0], pieces[1], pieces[2], pieces[3], pieces[4], pieces[5], pieces[6], pieces[7]}, objects);
    } else {
        std::fprintf(stderr, "kiln strict: [ %s ] ", vuid);
        for (std::string_view piece : detail)
            std::fprintf(stderr, "%.*s", int(piece.size()), piece.data());
        std::fprintf(stderr, " The Vulkan spec states: %s\n", text);
    }
    return mode == StrictMode::Error;
}

}  // namespace kiln
