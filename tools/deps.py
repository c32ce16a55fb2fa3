#!/usr/bin/env python3
"""Dependencies between tailor's folders and libraries, and their cycles.

    tools/deps.py [REPO_ROOT] [--quiet]

Reads two things and nothing else:
  - the CMake files: each add_library/add_executable/tailor_unit_test target
    (its folder is the CMake file's), and target_link_libraries (and
    tailor_unit_test's LIBS) edges between our own targets;
  - the #include "folder/..." lines of every C/C++ source and header: an edge
    from the top-level folder holding the file to the one it includes from.
A folder depends on another when one of its files includes a header of the
other or one of its targets links a target of the other.

Prints both graphs, then every cycle (a strongly connected component of more
than one node). Exits 1 when there is a cycle that KNOWN_CYCLES does not
list, 0 otherwise; a known cycle that is gone is reported so that its entry
can go too.
"""
import os
import re
import sys

# Cycles that exist today and have an issue that removes them. Each entry is
# the set of nodes of one cycle ("folder:" or "library:" prefixed).
KNOWN_CYCLES: set = set()
# (Was image-builder <-> kconfig-analyzer until the ELF reader moved from
# kconfig-analyzer/elf to common/elf, a leaf both use: issue 18.)

SKIP_DIRS = {".git", "out", "shared", "__pycache__"}
SOURCE_EXT = (".c", ".cc", ".cpp", ".h", ".hpp")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"/]+)/', re.M)
CMAKE_COMMAND = re.compile(r"\b(add_library|add_executable|tailor_unit_test|target_link_libraries)\s*\(([^)]*)\)", re.S)
LINK_KEYWORDS = {"PUBLIC", "PRIVATE", "INTERFACE", "LINK_PUBLIC", "LINK_PRIVATE"}


def skipped(name):
    return name in SKIP_DIRS or name == "build" or name.startswith("build-") or name.startswith(".")


def walk(root):
    for top in sorted(os.listdir(root)):
        path = os.path.join(root, top)
        if skipped(top) or not os.path.isdir(path):
            continue
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = sorted(d for d in dirnames if not skipped(d))
            for f in sorted(filenames):
                yield top, os.path.join(dirpath, f)


def strip_cmake_comments(text):
    return "\n".join(line.split("#", 1)[0] if not line.lstrip().startswith("#") else "" for line in text.splitlines())


def read_cmake(root):
    """(targets: name -> folder, links: [(from, to)])"""
    targets, links = {}, []
    for top, path in walk(root):
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


def read_includes(root, folders):
    edges = set()
    for top, path in walk(root):
        if not path.endswith(SOURCE_EXT):
            continue
        for included in INCLUDE.findall(open(path, encoding="utf-8", errors="replace").read()):
            if included in folders and included != top:
                edges.add((top, included))
    return edges


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
    folders = {top for top in os.listdir(root) if os.path.isdir(os.path.join(root, top)) and not skipped(top)}
    targets, links = read_cmake(root)
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
    for c in KNOWN_CYCLES - set(found):
        print(f"note: the known cycle {' <-> '.join(sorted(c))} is gone; remove it from KNOWN_CYCLES in tools/deps.py")
    if status:
        print("deps.py: a dependency cycle that is not known; see the edges above")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
