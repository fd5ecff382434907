#!/usr/bin/env python3
"""Generate Kiln's Vulkan tables from the registry (vk.xml).

Outputs (into --out):
  vk_entrypoints.h    weak declarations of kiln_vkXxx for every command; a driver
                      defines only what it implements, the rest stay NULL.
  vk_entrypoints.cpp  the sorted name -> entry table used by the *GetProcAddr calls,
                      each entry carrying its level, core version and extensions.
  vk_extensions.h/.cpp instance and device extension enums, names, spec versions.
  vk_structs.h        STypeOf<T> (struct -> sType) and struct_name(sType).
  vk_object_types.h/.cpp ObjectTypeOf<Handle> (handle -> VkObjectType) and object_type_name().
  vk_formats.h/.cpp   format descriptions from <formats>.
Nothing here is hand-written: every name comes from the registry on the machine.
"""
import argparse
import os
import re
import xml.etree.ElementTree as ET

API = "vulkan"


def api_ok(elem):
    api = elem.get("api")
    return api is None or API in api.split(",")


def supported(ext):
    return API in (ext.get("supported") or "").split(",")


def ident(ext_name):
    # VK_KHR_surface -> KHR_surface
    return ext_name[3:]


class Registry:
    def __init__(self, path):
        self.root = ET.parse(path).getroot()
        self.platform_protect = {p.get("name"): p.get("protect")
                                 for p in self.root.find("platforms")}
        self._commands()
        self._features()
        self._extensions()
        self._types()

    def _commands(self):
        self.commands = {}  # name -> (proto text, [param text], first param type)
        self.aliases = {}   # alias -> target
        for cmd in self.root.find("commands"):
            if not api_ok(cmd):
                continue
            if cmd.get("alias"):
                self.aliases[cmd.get("name")] = cmd.get("alias")
                continue
            proto = cmd.find("proto")
            name = proto.find("name").text
            ret = "".join(proto.itertext())[: -len(name)].strip()
            params = []
            first_type = None
            for p in cmd.findall("param"):
                if not api_ok(p):
                    continue
                text = " ".join("".join(p.itertext()).split())
                params.append(text)
                if first_type is None:
                    first_type = p.find("type").text
            self.commands[name] = (ret, params, first_type)

    def _features(self):
        self.core_version = {}  # command -> (major, minor)
        self.required_types = set()  # types a header actually declares
        for feat in self.root.findall("feature"):
            if not api_ok(feat):
                continue
            major, minor = (int(x) for x in feat.get("number").split("."))
            for req in feat.findall("require"):
                self.required_types.update(t.get("name") for t in req.findall("type"))
                for c in req.findall("command"):
                    self.core_version.setdefault(c.get("name"), (major, minor))

    def _extensions(self):
        self.instance_exts = []  # (name, spec_version)
        self.device_exts = []
        self.cmd_exts = {}       # command -> [(kind, ext name)]
        self.type_platform = {}  # type or command -> protect macro
        self.enum_platform = {}
        for ext in self.root.find("extensions"):
            if not supported(ext):
                continue
            name = ext.get("name")
            kind = ext.get("type")
            protect = self.platform_protect.get(ext.get("platform"))
            spec = 0
            for req in ext.findall("require"):
                if not api_ok(req):
                    continue
                for e in req.findall("enum"):
                    if e.get("name", "").endswith("_SPEC_VERSION") and e.get("value", "").isdigit():
                        spec = int(e.get("value"))
                    if protect and e.get("extends"):
                        self.enum_platform[e.get("name")] = protect
                for c in req.findall("command"):
                    self.cmd_exts.setdefault(c.get("name"), []).append((kind, name))
                    if protect:
                        self.type_platform[c.get("name")] = protect
                for t in req.findall("type"):
                    self.required_types.add(t.get("name"))
                    if protect:
                        self.type_platform[t.get("name")] = protect
            (self.instance_exts if kind == "instance" else self.device_exts).append((name, spec))
        self.instance_exts.sort()
        self.device_exts.sort()

    def _types(self):
        self.handles = {}
        self.object_types = []  # (handle, VkObjectType enumerant), in registry order
        self.structs = []  # (name, sType enum)
        self.feature_structs = []  # (name, sType, last member): all-VkBool32 structs extending VkPhysicalDeviceFeatures2
        for t in self.root.find("types"):
            if not api_ok(t):
                continue
            cat = t.get("category")
            if cat == "handle" and not t.get("alias"):
                n = t.find("name").text
                self.handles[n] = t.find("type").text  # VK_DEFINE_HANDLE or NON_DISPATCHABLE
                if t.get("objtypeenum"):
                    self.object_types.append((n, t.get("objtypeenum")))
            if cat == "struct" and not t.get("alias"):
                stype = None
                for m in t.findall("member"):
                    if m.find("name").text == "sType" and m.get("values"):
                        stype = m.get("values")
                        self.structs.append((t.get("name"), stype))
                extends = (t.get("structextends") or "").split(",")
                members = [m for m in t.findall("member") if api_ok(m)]
                if stype and "VkPhysicalDeviceFeatures2" in extends and \
                        len(members) > 2 and all(m.find("type").text == "VkBool32" for m in members[2:]):
                    self.feature_structs.append((t.get("name"), stype, members[-1].find("name").text))

    def command_level(self, name):
        first = self.commands[name][2]
        if name == "vkGetInstanceProcAddr" or first not in self.handles or \
                self.handles[first] != "VK_DEFINE_HANDLE":
            return "Global"
        if first in ("VkInstance", "VkPhysicalDevice"):
            return "PhysicalDevice" if first == "VkPhysicalDevice" else "Instance"
        return "Device"


# Kiln builds with VK_USE_PLATFORM_WIN32_KHR (the win32 external-memory entry points and structs):
# <vulkan/vulkan.h> then includes <windows.h>, which is Kiln's include/kiln/windows.h.
VULKAN_INCLUDE = "#include <vulkan/vulkan.h>"


def guard(lines, protect, body):
    if protect:
        lines.append(f"#ifdef {protect}")
    lines.extend(body)
    if protect:
        lines.append(f"#endif")


HEADER = "// Generated by scripts/gen_vulkan.py from vk.xml. Do not edit.\n"


def gen_entrypoints(reg, out):
    h = [HEADER, "#pragma once", VULKAN_INCLUDE, ""]
    # Commands reachable from core or a supported extension.
    reachable = set(reg.core_version)
    for n in reg.cmd_exts:
        reachable.add(n)
    reachable = {reg.aliases.get(n, n) for n in reachable}
    for name in sorted(reg.commands):
        if name not in reachable:
            continue
        ret, params, _ = reg.commands[name]
        decl = f"VKAPI_ATTR {ret} VKAPI_CALL kiln_{name}({', '.join(params) or 'void'}) " \
               f"__attribute__((weak, visibility(\"hidden\")));"
        guard(h, reg.type_platform.get(name), [decl])
    with open(os.path.join(out, "vk_entrypoints.h"), "w") as f:
        f.write("\n".join(h) + "\n")

    inst_index = {n: i for i, (n, _) in enumerate(reg.instance_exts)}
    dev_index = {n: i for i, (n, _) in enumerate(reg.device_exts)}
    names = sorted(n for n in set(reg.core_version) | set(reg.cmd_exts)
                   if reg.aliases.get(n, n) in reg.commands)
    c = [HEADER, '#include "vk_entrypoints_table.h"', '#include "vk_entrypoints.h"', "",
         "namespace kiln::gen {", ""]
    req_lines = []
    entries = []
    for name in names:
        target = reg.aliases.get(name, name)
        protect = reg.type_platform.get(target) or reg.type_platform.get(name)
        exts = reg.cmd_exts.get(name, [])
        ireqs = sorted(inst_index[e] for k, e in exts if k == "instance" and e in inst_index)
        dreqs = sorted(dev_index[e] for k, e in exts if k == "device" and e in dev_index)
        major, minor = reg.core_version.get(name, (0, 0))
        ver = f"VK_MAKE_API_VERSION(0, {major}, {minor}, 0)" if name in reg.core_version else "0"
        fn = f"reinterpret_cast<PFN_vkVoidFunction>(&kiln_{target})"
        if protect:
            fn = f"\n#ifdef {protect}\n    {fn}\n#else\n    nullptr\n#endif\n    "
        arr_i = "{" + ", ".join(map(str, ireqs)) + "}"
        arr_d = "{" + ", ".join(map(str, dreqs)) + "}"
        entries.append(
            f'    {{"{name}", {fn}, EntryLevel::{reg.command_level(target)}, {ver}, '
            f'{len(ireqs)}, {arr_i[:-1] + ("" if ireqs else "") + "}"}, {len(dreqs)}, {arr_d}}},')
    c.append(f"const EntryPoint kEntryPoints[{len(entries)}] = {{")
    c.extend(entries)
    c.append("};")
    c.append(f"const std::size_t kEntryPointCount = {len(entries)};")
    c.append("")
    c.append("}  // namespace kiln::gen")
    with open(os.path.join(out, "vk_entrypoints.cpp"), "w") as f:
        f.write("\n".join(c) + "\n")

    maxreq = 1
    for name in names:
        exts = reg.cmd_exts.get(name, [])
        maxreq = max(maxreq, sum(1 for k, _ in exts if k == "instance"),
                     sum(1 for k, _ in exts if k == "device"))
    t = [HEADER, "#pragma once", "#include <cstddef>", "#include <cstdint>",
         VULKAN_INCLUDE, "", "namespace kiln::gen {", "",
         "enum class EntryLevel : uint8_t { Global, Instance, PhysicalDevice, Device };", "",
         "struct EntryPoint {",
         "    const char* name;",
         "    PFN_vkVoidFunction function;  // NULL when Kiln does not implement it",
         "    EntryLevel level;",
         "    uint32_t core_version;        // 0: not core",
         "    uint8_t instance_ext_count;",
         f"    uint16_t instance_exts[{maxreq}];",
         "    uint8_t device_ext_count;",
         f"    uint16_t device_exts[{maxreq}];",
         "};", "",
         "// Sorted by name (strcmp order).",
         "extern const EntryPoint kEntryPoints[];",
         "extern const std::size_t kEntryPointCount;", "",
         "}  // namespace kiln::gen"]
    with open(os.path.join(out, "vk_entrypoints_table.h"), "w") as f:
        f.write("\n".join(t) + "\n")


def gen_extensions(reg, out):
    h = [HEADER, "#pragma once", "#include <bitset>", "#include <cstdint>", "",
         "namespace kiln::gen {", "",
         "struct ExtensionInfo {", "    const char* name;", "    uint32_t spec_version;", "};", ""]
    for kind, exts in (("Instance", reg.instance_exts), ("Device", reg.device_exts)):
        h.append(f"enum class {kind}Ext : uint16_t {{")
        for n, _ in exts:
            h.append(f"    {ident(n)},")
        h.append("    Count")
        h.append("};")
        h.append(f"using {kind}ExtensionSet = std::bitset<static_cast<std::size_t>({kind}Ext::Count)>;")
        h.append(f"extern const ExtensionInfo k{kind}Extensions[static_cast<std::size_t>({kind}Ext::Count)];")
        h.append("")
    h.append("}  // namespace kiln::gen")
    with open(os.path.join(out, "vk_extensions.h"), "w") as f:
        f.write("\n".join(h) + "\n")
    c = [HEADER, '#include "vk_extensions.h"', "", "namespace kiln::gen {", ""]
    for kind, exts in (("Instance", reg.instance_exts), ("Device", reg.device_exts)):
        c.append(f"const ExtensionInfo k{kind}Extensions[] = {{")
        for n, v in exts:
            c.append(f'    {{"{n}", {v}}},')
        c.append("};")
    c.append("")
    c.append("}  // namespace kiln::gen")
    with open(os.path.join(out, "vk_extensions.cpp"), "w") as f:
        f.write("\n".join(c) + "\n")


def gen_structs(reg, out):
    h = [HEADER, "#pragma once", VULKAN_INCLUDE, "", "namespace kiln::gen {", "",
         "// STypeOf<VkFoo>::value is VkFoo's sType.",
         "template <typename T> struct STypeOf;", ""]
    names = []
    for name, stype in reg.structs:
        if name not in reg.required_types:
            continue
        protect = reg.type_platform.get(name) or reg.enum_platform.get(stype)
        guard(h, protect, [f"template <> struct STypeOf<{name}> {{ static constexpr VkStructureType value = {stype}; }};"])
        names.append((name, stype, protect))
    h += ["", "// Every feature structure (extends VkPhysicalDeviceFeatures2, only VkBool32 members after",
          "// sType/pNext) that the core header declares: its sType and size.",
          "struct FeatureStruct {", "    VkStructureType s_type;",
          "    unsigned size;  // sizeof the structure",
          "    unsigned end;   // the end of its last VkBool32 (the rest of `size` is padding, never read)",
          "};",
          "extern const FeatureStruct kFeatureStructs[];", "extern const unsigned kFeatureStructCount;",
          "// The entry of `s_type`, or NULL when it is not a feature structure.",
          "const FeatureStruct* feature_struct(VkStructureType s_type);"]
    h += ["", "// The struct name of an sType, or NULL when Kiln's registry does not know it.",
          "const char* struct_name(VkStructureType s_type);", "", "}  // namespace kiln::gen"]
    with open(os.path.join(out, "vk_structs.h"), "w") as f:
        f.write("\n".join(h) + "\n")
    c = [HEADER, '#include "vk_structs.h"', "", "#include <cstddef>", "", "namespace kiln::gen {", "",
         "const char* struct_name(VkStructureType s_type) {", "    switch (static_cast<int>(s_type)) {"]
    seen = set()
    for name, stype, protect in names:
        if protect or stype in seen:
            continue
        seen.add(stype)
        c.append(f'    case {stype}: return "{name}";')
    c += ["    default: return nullptr;", "    }", "}", ""]
    feats = [(n, st, last) for n, st, last in reg.feature_structs
             if n in reg.required_types and not (reg.type_platform.get(n) or reg.enum_platform.get(st))]
    c.append("const FeatureStruct kFeatureStructs[] = {")
    c += [f"    {{{st}, sizeof({n}), offsetof({n}, {last}) + sizeof(VkBool32)}}," for n, st, last in feats]
    c += ["};", f"const unsigned kFeatureStructCount = {len(feats)};", "",
          "const FeatureStruct* feature_struct(VkStructureType s_type) {",
          "    for (unsigned i = 0; i < kFeatureStructCount; ++i)",
          "        if (kFeatureStructs[i].s_type == s_type)",
          "            return &kFeatureStructs[i];",
          "    return nullptr;", "}", "", "}  // namespace kiln::gen"]
    with open(os.path.join(out, "vk_structs.cpp"), "w") as f:
        f.write("\n".join(c) + "\n")


def gen_object_types(reg, out):
    h = [HEADER, "#pragma once", VULKAN_INCLUDE, "", "namespace kiln::gen {", "",
         "// ObjectTypeOf<VkFoo>::value is VkFoo's VkObjectType (the registry's objtypeenum). Non-dispatchable",
         "// handles are distinct types only where they are pointers (64-bit), so only there are they listed.",
         "template <typename Handle> struct ObjectTypeOf;", ""]
    names = []
    dispatchable, non_dispatchable = [], []
    for handle, enum in reg.object_types:
        if handle not in reg.required_types:
            continue  # a handle of an extension the headers leave out (beta)
        protect = reg.type_platform.get(handle)
        spec = f"template <> struct ObjectTypeOf<{handle}> {{ static constexpr VkObjectType value = {enum}; }};"
        guard(dispatchable if reg.handles[handle] == "VK_DEFINE_HANDLE" else non_dispatchable, protect, [spec])
        names.append((enum, protect))
    h += dispatchable + ["#if VK_USE_64_BIT_PTR_DEFINES == 1"] + non_dispatchable + ["#endif"]
    h += ["", "// \"VK_OBJECT_TYPE_BUFFER\" for VK_OBJECT_TYPE_BUFFER; NULL for a value the registry does not know.",
          "const char* object_type_name(VkObjectType type);", "", "}  // namespace kiln::gen"]
    with open(os.path.join(out, "vk_object_types.h"), "w") as f:
        f.write("\n".join(h) + "\n")
    c = [HEADER, '#include "vk_object_types.h"', "", "namespace kiln::gen {", "",
         "const char* object_type_name(VkObjectType type) {", "    switch (type) {",
         '    case VK_OBJECT_TYPE_UNKNOWN: return "VK_OBJECT_TYPE_UNKNOWN";']
    for enum, protect in names:
        guard(c, protect, [f'    case {enum}: return "{enum}";'])
    c += ["    default: return nullptr;", "    }", "}", "", "}  // namespace kiln::gen"]
    with open(os.path.join(out, "vk_object_types.cpp"), "w") as f:
        f.write("\n".join(c) + "\n")


# Known errors in the <formats> of older registries, fixed upstream; each entry replaces the
# component list (most significant first for packed formats) with the one the spec's format
# description gives. check_components() stops the build on any other disagreement.
FORMAT_ERRATA = {
    # Vulkan-Docs PR #2145 (1.3.256): R has 11 bits, not 10.
    "VK_FORMAT_B10G11R11_UFLOAT_PACK32": [("B", 10, "UFLOAT"), ("G", 11, "UFLOAT"), ("R", 11, "UFLOAT")],
    # Vulkan-Docs PR #2147: the components are B, G, R, A from the high bits down, as the name says.
    "VK_FORMAT_B5G5R5A1_UNORM_PACK16": [("B", 5, "UNORM"), ("G", 5, "UNORM"), ("R", 5, "UNORM"), ("A", 1, "UNORM")],
    # The second component of the R64G64 formats is G (the registry of 1.3.239 says B).
    **{f"VK_FORMAT_R64G64_{n}": [("R", 64, n), ("G", 64, n)] for n in ("UINT", "SINT", "SFLOAT")},
}


def check_components(name, comps, packed, block):
    """A format's components must be the ones its name lists, in that order, and fill the block."""
    if name in ("VK_FORMAT_E5B9G9R9_UFLOAT_PACK32", "VK_FORMAT_R16G16_S10_5_NV") or any(c in "DS" for c, _, _ in comps):
        return  # a shared exponent; S10.5 fixed point; depth/stencil names hold two numeric types
    parts = []
    for part in name[len("VK_FORMAT_"):].split("_"):
        if part in ("UNORM", "SNORM", "USCALED", "SSCALED", "UINT", "SINT", "UFLOAT", "SFLOAT", "SRGB"):
            break
        parts.append(part)
    expected = re.findall(r"([RGBAXDS])(\d+)", "".join(parts))
    got = [(c, str(b)) for c, b, _ in comps]
    padding = sum(int(b) for c, b in expected if c == "X")  # unused bits are not components
    expected = [(c, b) for c, b in expected if c != "X"]
    words = block * 8 // packed if packed else 1
    if sum(b for _, b, _ in comps) + padding != block * 8 or got != expected or words * (packed or 0) not in (0, block * 8):
        raise SystemExit(f"gen_vulkan.py: the registry's {name} components {got} disagree with its name; "
                         f"add an erratum after checking the spec")


def gen_formats(reg, out):
    # Formats whose enum the core header defines.
    available = set()
    for enums in reg.root.findall("enums"):
        if enums.get("name") == "VkFormat":
            available.update(e.get("name") for e in enums.findall("enum") if not e.get("alias"))
    for holder in list(reg.root.findall("feature")) + list(reg.root.find("extensions")):
        if holder.tag == "feature" and not api_ok(holder):
            continue
        if holder.tag == "extension" and (not supported(holder) or holder.get("platform")):
            continue
        for req in holder.findall("require"):
            for e in req.findall("enum"):
                if e.get("extends") == "VkFormat" and not e.get("alias"):
                    available.add(e.get("name"))
    numeric = ["UNORM", "SNORM", "USCALED", "SSCALED", "UINT", "SINT", "UFLOAT", "SFLOAT", "SRGB"]
    rows = []
    for f in reg.root.find("formats"):
        name = f.get("name")
        if name not in available:
            continue
        comps = []
        for comp in f.findall("component"):
            bits = comp.get("bits")
            comps.append((comp.get("name"), 0 if bits == "compressed" else int(bits),
                          comp.get("numericFormat")))
        comps = FORMAT_ERRATA.get(name, comps)
        if not f.get("compressed") and not f.get("chroma") and f.find("plane") is None:
            check_components(name, comps, int(f.get("packed") or 0), int(f.get("blockSize")))
        extent = [int(x) for x in (f.get("blockExtent") or "1,1,1").split(",")]
        rows.append(dict(name=name, cls=f.get("class"), block=int(f.get("blockSize")),
                         texels=int(f.get("texelsPerBlock")), extent=extent,
                         packed=int(f.get("packed") or 0), compressed=f.get("compressed") or "",
                         chroma=f.get("chroma") or "", planes=len(f.findall("plane")), comps=comps))
    h = [HEADER, "#pragma once", "#include <cstdint>", "#include <vulkan/vulkan_core.h>", "",
         "namespace kiln::gen {", "",
         "enum class Numeric : uint8_t { " + ", ".join(numeric) + " };", "",
         "struct FormatComponent {",
         "    char name;        // 'R', 'G', 'B', 'A', 'D', 'S', 'X'",
         "    uint8_t bits;     // 0 for compressed formats",
         "    Numeric numeric;",
         "};", "",
         "struct FormatInfo {",
         "    VkFormat format;",
         "    const char* name;",
         "    uint8_t block_size;       // bytes per texel block",
         "    uint8_t texels_per_block;",
         "    uint8_t block_extent[3];",
         "    uint8_t packed;           // 0, 8, 16 or 32: the packed word size",
         "    bool compressed;",
         "    bool ycbcr;               // has a chroma subsampling or planes",
         "    uint8_t plane_count;",
         "    uint8_t component_count;",
         "    FormatComponent components[4];  // in memory order (packed: most significant first)",
         "};", "",
         "// NULL for VK_FORMAT_UNDEFINED and formats the registry does not describe.",
         "const FormatInfo* format_info(VkFormat format);",
         "extern const FormatInfo kFormats[];",
         "extern const unsigned kFormatCount;", "",
         "}  // namespace kiln::gen"]
    with open(os.path.join(out, "vk_formats.h"), "w") as fh:
        fh.write("\n".join(h) + "\n")
    c = [HEADER, '#include "vk_formats.h"', "", "namespace kiln::gen {", "",
         "const FormatInfo kFormats[] = {"]
    for r in rows:
        comps = ", ".join(f"{{'{n[0] if n != 'X' else 'X'}', {b}, Numeric::{nf}}}" for n, b, nf in r["comps"])
        e = r["extent"]
        c.append(f'    {{{r["name"]}, "{r["name"]}", {r["block"]}, {r["texels"]}, {{{e[0]}, {e[1]}, {e[2]}}}, '
                 f'{r["packed"]}, {"true" if r["compressed"] else "false"}, '
                 f'{"true" if (r["chroma"] or r["planes"]) else "false"}, {r["planes"]}, {len(r["comps"])}, {{{comps}}}}},')
    c.append("};")
    c.append(f"const unsigned kFormatCount = {len(rows)};")
    c.append("")
    c.append("const FormatInfo* format_info(VkFormat format) {")
    c.append("    switch (format) {")
    for i, r in enumerate(rows):
        c.append(f"    case {r['name']}: return &kFormats[{i}];")
    c.append("    default: return nullptr;")
    c.append("    }")
    c.append("}")
    c.append("")
    c.append("}  // namespace kiln::gen")
    with open(os.path.join(out, "vk_formats.cpp"), "w") as fh:
        fh.write("\n".join(c) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--registry", default="/usr/share/vulkan/registry/vk.xml")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    reg = Registry(args.registry)
    gen_entrypoints(reg, args.out)
    gen_extensions(reg, args.out)
    gen_structs(reg, args.out)
    gen_object_types(reg, args.out)
    gen_formats(reg, args.out)


if __name__ == "__main__":
    main()
