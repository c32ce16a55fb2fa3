#!/usr/bin/env python3
"""Dependencies between tailor's folders and libraries, their cycles and layers.

    tools/deps.py [REPO_ROOT] [--quiet]

Reads two things and nothing else:
  - the CMake files: each add_library/add_executable/tailor_unit_test target
    (its folder is the CMake file's), and target_link_libraries (and
    tailor_unit_test's LIBS) edges between our own targets;
  - the #include "folder/..." lines of every C/C++ source and header.
Folders are components: the deepest folder holding a CMakeLists.txt that
contains the file (so kconfig-analyzer/kconfig and kconfig-analyzer/analyzer/app
are nodes of their own, as are common/elf and common/x86). A folder depends
on another when one of its files includes a header of the other or one of
its targets links a target of the other.

Prints both graphs, then every cycle (a strongly connected component of more
than one node) and every edge that goes up the layers below (LAYERS: the
architecture, lowest first). Exits 1 on a cycle that KNOWN_CYCLES does not
list or on an edge against the layers, 0 otherwise; a known cycle that is
gone is reported so that its entry can go too.
"""
import os
import re
import sys

# Cycles that exist today and have an issue that removes them. Each entry is
# the set of nodes of one cycle ("folder:" or "library:" prefixed).
KNOWN_CYCLES: set = set()
# (Was image-builder <-> kconfig-analyzer until the ELF reader moved from
# kconfig-analyzer/elf to common/elf, a leaf both use: issue 18.)

# The architecture, lowest layer first: a folder may depend on folders of
# its own layer's predecessors only (and on its own sub-folders' libraries
# when they are listed lower). A prefix names a folder and everything below
# it that is not listed on its own. Folders not listed (tests, tools, docs,
# data) are outside the layering; cycles still count for them.
LAYERS = [
    ["common"],
    ["common/elf", "common/x86"],
    ["kconfig-analyzer/kconfig", "runner", "image-builder/syscall_sites"],
    ["kconfig-analyzer/analyzer/trace", "kconfig-analyzer/analyzer/knowledge", "kconfig-analyzer/analyzer/syscalls"],
    ["kconfig-analyzer/analyzer/minimizer"],
    ["kconfig-analyzer/analyzer/app"],
    ["kconfig-analyzer/analyzer/report", "image-builder"],
    ["image-builder/fleet", "pipeline"],
    ["bench"],
    ["cli"],
]

SKIP_DIRS = {".git", "out", "shared", "__pycache__"}
SOURCE_EXT = (".c", ".cc", ".cpp", ".h", ".hpp")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+/)[^"/]+"', re.M)
CMAKE_COMMAND = re.compile(r"\b(add_library|add_executable|tailor_unit_test|target_link_libraries)\s*\(([^)]*)\)", re.S)
LINK_KEYWORDS = {"PUBLIC", "PRIVATE", "INTERFACE", "LINK_PUBLIC", "LINK_PRIVATE"}


def skipped(name):
    return name in SKIP_DIRS or name == "build" or name.startswith("build-") or name.startswith(".")


def component_dirs(root):
    """Every folder (relative, '/'-separated) holding a CMakeLists.txt, and each top-level folder."""
    found = set()
    for top in os.listdir(root):
        if skipped(top) or not os.path.isdir(os.path.join(root, top)):
            continue
        found.add(top)
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = [d for d in dirnames if not skipped(d)]
            if "CMakeLists.txt" in filenames:
                found.add(os.path.relpath(dirpath, root).replace(os.sep, "/"))
    return found


def component_of(relpath, components):
    """The deepest component folder holding `relpath` (a '/'-separated path), or None."""
    parts = relpath.split("/")
    for n in range(len(parts), 0, -1):
        candidate = "/".join(parts[:n])
        if candidate in components:
            return candidate
    return None


def walk(root, components):
    for top in sorted(os.listdir(root)):
        path = os.path.join(root, top)
        if skipped(top) or not os.path.isdir(path):
            continue
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = sorted(d for d in dirnames if not skipped(d))
            folder = component_of(os.path.relpath(dirpath, root).replace(os.sep, "/"), components)
            for f in sorted(filenames):
                yield folder, os.path.join(dirpath, f)


def strip_cmake_comments(text):
    return "\n".join(line.split("#", 1)[0] if not line.lstrip().startswith("#") else "" for line in text.splitlines())


def read_cmake(root, components):
    """(targets: name -> folder, links: [(from, to)])"""
    targets, links = {}, []
    for top, path in walk(root, components):
        name = os.path.basename(path)
        if name != "CMakeLists.txt" and not name.endswith(".cmake"):
            continue
        text = strip_cmake_comments(open(path, encoding="utf-8", errors="replace").read())
        for command, args in CMAKE_COMMAND.findall(text):
            words = args.split()
            if not words or "$" in words[0]:
                continue
            if command in ("add_library", "add_executable"):
                targets.setdefault(words[0], top)
            elif command == "tailor_unit_test":
                targets.setdefault(words[0], top)
                if "LIBS" in words:
                    for lib in words[words.index("LIBS") + 1:]:
                        if lib.isupper():
                            break
                        links.append((words[0], lib))
            else:
                links.extend((words[0], w) for w in words[1:] if w not in LINK_KEYWORDS)
    return targets, [(a, b) for a, b in links if a in targets and b in targets and a != b]


def read_includes(root, components):
    edges = set()
    for top, path in walk(root, components):
        if not path.endswith(SOURCE_EXT):
            continue
        for included in INCLUDE.findall(open(path, encoding="utf-8", errors="replace").read()):
            target = component_of(included.rstrip("/"), components)
            if target and target != top:
                edges.add((top, target))
    return edges


def layer_of(folder):
    """Index of the layer listing `folder` or its nearest listed ancestor, or None."""
    best, best_len = None, -1
    for index, layer in enumerate(LAYERS):
        for name in layer:
            if (folder == name or folder.startswith(name + "/")) and len(name) > best_len:
                best, best_len = index, len(name)
    return best


def against_layers(edges):
    """Edges from a folder to one of its own layer or a higher one."""
    bad = []
    for a, b in sorted(edges):
        la, lb = layer_of(a), layer_of(b)
        if la is not None and lb is not None and lb >= la:
            bad.append((a, b))
    return bad


def cycles(nodes, edges):
    """Strongly connected components with more than one node (Tarjan)."""
    graph = {n: sorted({b for a, b in edges if a == n}) for n in nodes}
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    for n in sorted(graph):
        if n not in index:
            visit(n)
    return found


def print_graph(title, nodes, edges):
    print(title)
    for n in sorted(nodes):
        deps = sorted({b for a, b in edges if a == n})
        print(f"  {n} -> {', '.join(deps) if deps else '(nothing)'}")


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    quiet = "--quiet" in argv
    root = os.path.abspath(args[0] if args else os.path.join(os.path.dirname(__file__), ".."))
    folders = component_dirs(root)
    targets, links = read_cmake(root, folders)
    folder_edges = read_includes(root, folders)
    folder_edges |= {(targets[a], targets[b]) for a, b in links if targets[a] != targets[b]}
    if not quiet:
        print_graph("folders (includes and links):", folders, folder_edges)
        print_graph("libraries and programs (target_link_libraries):", set(targets), set(links))

    found = [frozenset("folder:" + n for n in c) for c in cycles(folders, folder_edges)]
    found += [frozenset("library:" + n for n in c) for c in cycles(set(targets), set(links))]
    status = 0
    for c in found:
        names = " <-> ".join(sorted(c))
        if c in KNOWN_CYCLES:
            print(f"known cycle (allowed until its issue removes it): {names}")
        else:
            print(f"CYCLE: {names}")
            status = 1
    for a, b in against_layers(folder_edges):
        print(f"LAYER: {a} -> {b} goes against the layers (LAYERS in tools/deps.py)")
        status = 1
    for c in KNOWN_CYCLES - set(found):
        print(f"note: the known cycle {' <-> '.join(sorted(c))} is gone; remove it from KNOWN_CYCLES in tools/deps.py")
    if status:
        print("deps.py: a dependency cycle that is not known, or an edge against the layers; see the edges above")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
