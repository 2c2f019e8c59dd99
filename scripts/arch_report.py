"""Architecture figures: app/* package pairs that import each other, imports inside functions,
settings read outside Config. `python scripts/arch_report.py` prints them (before/after a refactor)."""
from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"


def package_of(module: str) -> str | None:
    """app.documents.service -> documents; app.audit -> audit; app -> None."""
    parts = module.split(".")
    if parts[0] != "app" or len(parts) < 2:
        return None
    return parts[1]


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports(path: Path):
    """Yield (imported module, lineno, inside_function, function name) for each `app.*` import."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    mod = module_name(path)

    def visit(node, func):
        for child in ast.iter_child_nodes(node):
            f = func
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                f = child.name if func is None else func
            if isinstance(child, ast.Import):
                for a in child.names:
                    yield a.name, child.lineno, func
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    pkg = mod.split(".") if path.name == "__init__.py" else mod.split(".")[:-1]
                    pkg = pkg[:len(pkg) - child.level + 1]
                    base = ".".join(pkg + ([base] if base else []))
                for a in child.names:
                    yield (f"{base}.{a.name}" if base == "app" else base), child.lineno, func
            yield from visit(child, f)

    for name, line, func in visit(tree, None):
        yield name, line, func


def graph():
    edges: dict[tuple[str, str], list[str]] = {}
    inner: list[tuple[str, int, str, str]] = []
    for path in sorted(APP.rglob("*.py")):
        src_pkg = package_of(module_name(path))
        for name, line, func in imports(path):
            if func is not None and (name == "app" or name.startswith("app.")):
                inner.append((str(path.relative_to(ROOT)), line, func, name))
            dst = package_of(name)
            if src_pkg and dst and dst != src_pkg:
                edges.setdefault((src_pkg, dst), []).append(f"{path.relative_to(ROOT)}:{line}")
    return edges, inner


def mutual_pairs(edges):
    return sorted({tuple(sorted(p)) for p in edges if (p[1], p[0]) in edges})


def cycles(edges):
    """Strongly connected components with more than one package."""
    nodes = sorted({n for e in edges for n in e})
    adj = {n: sorted({b for (a, b) in edges if a == n}) for n in nodes}
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in adj[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for n in nodes:
        if n not in index:
            strong(n)
    return out


def config_keys() -> set[str]:
    src = (APP / "config.py").read_text(encoding="utf-8")
    return set(re.findall(r"self\.([A-Z][A-Z0-9_]+)\s*=", src))


READ_RE = re.compile(r"(?:config(?:\.get\(|\[)|_cfg\()\s*[\"']([A-Z][A-Z0-9_]+)[\"']")
ENV_RE = re.compile(r"os\.environ(?:\.get\(|\[)\s*[\"']([A-Z][A-Z0-9_]+)[\"']|os\.getenv\(\s*[\"']([A-Z][A-Z0-9_]+)")


def settings_outside_config():
    known = config_keys()
    found = {}
    for path in sorted(APP.rglob("*.py")):
        if path.name == "config.py" and path.parent == APP:
            continue
        text = path.read_text(encoding="utf-8")
        for m in READ_RE.finditer(text):
            if m.group(1) not in known:
                found.setdefault(m.group(1), []).append(str(path.relative_to(ROOT)))
        for m in ENV_RE.finditer(text):
            found.setdefault(m.group(1) or m.group(2), []).append(str(path.relative_to(ROOT)) + " (os.environ)")
    return found


def main():
    edges, inner = graph()
    pairs = mutual_pairs(edges)
    print(f"package pairs importing each other: {len(pairs)}")
    for a, b in pairs:
        print(f"  {a} <-> {b}")
    print(f"cycles (strongly connected groups): {cycles(edges)}")
    print(f"app imports inside functions: {len(inner)}")
    if "-v" in sys.argv:
        for f, line, func, name in inner:
            print(f"  {f}:{line} in {func}(): {name}")
    outside = settings_outside_config()
    print(f"settings read outside Config: {len(outside)}")
    for k, where in sorted(outside.items()):
        print(f"  {k}: {', '.join(sorted(set(where)))}")


if __name__ == "__main__":
    main()
