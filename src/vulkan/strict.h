// Strict mode: Kiln as the validator of the win32 external-memory rules, which the Khronos
// validation layer cannot check on Linux (it is built without win32 support: it hides the win32
// commands and strips the win32 structs from pNext chains). Off by default; KILN_STRICT=warn
// reports each violated rule, KILN_STRICT=error also fails the call (docs/strict.md).
//
// A violation is reported like the validation layer's messages: an ERROR of type VALIDATION whose
// message ID is the VUID, naming the objects, with the spec's text of the rule (generated from
// validusage.json: vk_vuids.h) -- to the application's VK_EXT_debug_utils messengers, and to
// stderr when none listens.
//
// Strict mode also tracks what the few rules about handles need -- which devices and memory
// objects are live, and the NT handles each device's memory was exported as -- and reports the NT
// handles the application never closed when a device is destroyed and when the driver unloads.
#pragma once

#include <cstdint>

#include "debug_report.h"

namespace kiln {

class DeviceMemory;

enum class StrictMode : uint8_t { Off, Warn, Error };

// KILN_STRICT as the environment says now. vkCreateInstance reads it: each instance keeps the
// mode it was created in.
StrictMode strict_mode_from_environment();

// The mode of `device`'s instance.
StrictMode strict_mode(const Device& device);

// Reports that a call on `device` broke rule `vuid` (which must be in strict mode's scope), saying
// what the application did in `detail`. Returns true when the call must fail (KILN_STRICT=error);
// false otherwise, also when strict mode is off (nothing is reported then).
bool strict_violation(const Device& device, const char* vuid, MessageText detail,
                      std::span<const DebugObject> objects = {});

// The object tracker. Every device registers itself (one lock per vkCreateDevice/vkDestroyDevice),
// devices of strict instances also their memory objects and NT exports; the checks below look
// anything up only while a strict device lives, so that strict mode costs nothing when it is off.
void strict_track_device(Device& device);
// Reports the NT handles exported from the device's memory that are still open (a WARNING:
// the application may keep them past the device), then forgets the device.
void strict_untrack_device(Device& device);
void strict_track_memory(const Device& device, const DeviceMemory& memory);
void strict_untrack_memory(const DeviceMemory& memory);

// True when `device` is no live VkDevice, which is then reported as `vuid` to every strict
// instance's messengers (there is no device to find one through): the call must fail. With no
// strict device alive at all (strict mode off), every handle passes unlooked-at.
bool strict_unknown_device(VkDevice device, const char* vuid, const char* command);

// The strict device that `memory` belongs to; NULL when `memory` is no live memory object of a
// strict device.
const Device* strict_memory_owner(VkDeviceMemory memory);

// vkGetMemoryWin32HandleKHR/NV gave the application NT handle `handle` to `memory`'s payload:
// remembered until the device goes, for the leak report.
void strict_note_nt_export(const DeviceMemory& memory, uintptr_t handle);

}  // namespace kiln
