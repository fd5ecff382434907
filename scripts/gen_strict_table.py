#!/usr/bin/env python3
"""Write the table of strict mode's valid-usage rules into docs/conformance.md.

For every VUID in strict mode's scope (the rules scripts/gen_vuids.py generates for the driver, taken
from validusage.json by the same code), one row:

  VUID     a link to the rule in the spec
  Checked  yes when the VUID appears as a string literal ("VUID-...") in a .cpp/.h under src/ -- quoted,
           so that a comment citing a rule does not count; otherwise no
  Test     the gtest names (Suite.Test) of the TEST/TEST_F/TEST_P bodies in tests/strict/*.cpp that contain
           the VUID; a body runs from its TEST line to the next one or to the end of the file
  Note     why a rule is not checked or not tested, from NOTES below

The table, with a one-line summary, goes between the markers <!-- strict-table:begin --> and
<!-- strict-table:end --> of docs/conformance.md.

  python3 scripts/gen_strict_table.py            # rewrite the table
  python3 scripts/gen_strict_table.py --check    # exit 1, printing a diff, when the file is not current

CTest runs the --check form (docs.strict_table_is_current, label strict).
"""
import argparse
import difflib
import glob
import os
import re
import sys

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, SCRIPTS)
import gen_vuids  # noqa: E402  (strict mode's scope: one definition, in gen_vuids.py)

BEGIN = "<!-- strict-table:begin -->"
END = "<!-- strict-table:end -->"
SPEC = "https://registry.khronos.org/vulkan/specs/1.3-extensions/html/vkspec.html#"
DOC = os.path.join("docs", "conformance.md")

# Structures found only in a pNext chain: their sType is how they are found at all.
CHAINED = [
    "VkExportMemoryAllocateInfo", "VkExportMemoryAllocateInfoNV", "VkExportMemoryWin32HandleInfoKHR",
    "VkExportMemoryWin32HandleInfoNV", "VkImportMemoryWin32HandleInfoKHR", "VkImportMemoryWin32HandleInfoNV",
    "VkExternalMemoryImageCreateInfoNV",
]
STYPE_NOTE = ("cannot be broken observably: a chained structure is found by its sType, so one with another "
              "sType is another structure (the parent's pNext rule, outside this scope)")
# The rules that cannot be checked or cannot be tested, and why.
NOTES = {
    **{"VUID-%s-sType-sType" % name: STYPE_NOTE for name in CHAINED},
    "VUID-VkMemoryAllocateInfo-pNext-00639": (
        "holds by construction on Kiln: no type Kiln can export requires a dedicated allocation; the types "
        "that do (D3D11_TEXTURE, D3D12_RESOURCE) are not exportable and are refused first by -handleTypes-00656"),
    "VUID-VkMemoryAllocateInfo-None-00644": (
        "holds by construction: Kiln has one physical device, so every logical device consists of the same one"),
    "VUID-VkMemoryAllocateInfo-memoryTypeIndex-00645": (
        "holds by construction: vkGetMemoryWin32HandlePropertiesKHR reports every memory type for every handle "
        "made outside Vulkan (the device is the host), and an out-of-range index is refused by vkAllocateMemory"),
}

LITERAL = re.compile(r'"(VUID-[^"\s]+)"')
TEST_LINE = re.compile(r"^\s*TEST(?:_F|_P)?\(\s*(\w+)\s*,\s*(\w+)\s*\)", re.MULTILINE)


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def checked_vuids(root):
    """The VUIDs that appear as string literals in src/."""
    found = set()
    for directory, _, files in os.walk(os.path.join(root, "src")):
        for name in files:
            if name.endswith((".cpp", ".h")):
                found.update(LITERAL.findall(read(os.path.join(directory, name))))
    return found


def test_bodies(root):
    """(Suite.Test, body text) for every test in tests/strict/*.cpp; none when there are no tests yet."""
    bodies = []
    for path in sorted(glob.glob(os.path.join(root, "tests", "strict", "*.cpp"))):
        text = read(path)
        starts = list(TEST_LINE.finditer(text))
        for i, match in enumerate(starts):
            end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
            bodies.append(("%s.%s" % match.groups(), text[match.start():end]))
    return bodies


def tests_of(vuid, bodies):
    # The whole VUID, not a prefix of a longer one.
    pattern = re.compile(re.escape(vuid) + r"(?![\w-])")
    return [name for name, body in bodies if pattern.search(body)]


def cell(text):
    return text.replace("|", "\\|")


def table(rules, root):
    for vuid in NOTES:
        if vuid not in rules:
            sys.exit("gen_strict_table.py: a note names %s, which is not in strict mode's scope" % vuid)
    checked = checked_vuids(root)
    bodies = test_bodies(root)
    rows = []
    n_checked = n_tested = 0
    for vuid in sorted(rules):
        is_checked = vuid in checked
        tests = tests_of(vuid, bodies)
        n_checked += is_checked
        n_tested += bool(tests)
        rows.append("| [`%s`](%s%s) | %s | %s | %s |" % (
            vuid, SPEC, vuid, "yes" if is_checked else "no",
            "<br>".join("`%s`" % t for t in tests) if tests else "—", cell(NOTES.get(vuid, ""))))
    lines = [
        "%d rules in scope, %d checked, %d with a test." % (len(rules), n_checked, n_tested),
        "",
        "| VUID | Checked | Test | Note |",
        "|---|---|---|---|",
    ] + rows
    return "\n".join(lines) + "\n"


def with_table(document, generated):
    begin = document.find(BEGIN)
    end = document.find(END)
    if begin < 0 or end < begin:
        sys.exit("gen_strict_table.py: %s lacks the markers %s ... %s" % (DOC, BEGIN, END))
    return document[:begin + len(BEGIN)] + "\n" + generated + document[end:]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--validusage", default="/usr/share/vulkan/registry/validusage.json")
    parser.add_argument("--root", default=os.path.dirname(SCRIPTS), help="the source tree (default: this one)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 with a diff when %s is not current" % DOC)
    args = parser.parse_args()
    path = os.path.join(args.root, DOC)
    current = read(path)
    wanted = with_table(current, table(gen_vuids.rules_in_scope(args.validusage), args.root))
    if args.check:
        if current == wanted:
            return 0
        sys.stdout.writelines(difflib.unified_diff(current.splitlines(True), wanted.splitlines(True),
                                                   "a/" + DOC, "b/" + DOC))
        print("%s is not current: run python3 scripts/gen_strict_table.py" % DOC)
        return 1
    if current != wanted:
        with open(path, "w", encoding="utf-8") as f:
            f.write(wanted)
    return 0


if __name__ == "__main__":
    sys.exit(main())
